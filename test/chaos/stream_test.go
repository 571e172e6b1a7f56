package chaos

import (
	"slices"
	"testing"
)

func seqs(app []Entry) []int {
	var out []int
	for _, e := range app {
		out = append(out, e.Seq)
	}
	return out
}

// TestStreamOrdersAndFillsGaps drives a receiver's stream with the frames a
// faulty network produces and checks what its application is given.
func TestStreamOrdersAndFillsGaps(t *testing.T) {
	s := newStream("t", "grpX")
	s.data(1, "a")
	s.data(2, "b")
	s.data(2, "b") // duplicated or retransmitted
	s.data(5, "e") // 3 and 4 dropped
	s.data(4, "d")
	if got := seqs(s.app); !slices.Equal(got, []int{1, 2}) || s.redundant != 1 {
		t.Fatalf("given %v, %d redundant", got, s.redundant)
	}
	low, hi, ok := s.gap()
	if !ok || low != 3 || hi != 4 {
		t.Fatalf("gap %d..%d %v, want 3..4", low, hi, ok)
	}
	s.fetch = &fetch{id: "g1", low: low, hi: hi}
	if _, _, ok := s.gap(); ok {
		t.Fatal("a second get while one is in flight")
	}
	s.data(3, "c")
	s.fetched(208, 1)
	if got := seqs(s.app); !slices.Equal(got, []int{1, 2, 3, 4, 5}) || s.last != 5 {
		t.Fatalf("given %v, last %d", got, s.last)
	}

	// The gateway stored "b" again at 6: the application must not get it.
	s.data(6, "b")
	s.data(7, "g")
	if got := seqs(s.app); !slices.Equal(got, []int{1, 2, 3, 4, 5, 7}) || !slices.Equal(s.passed, []int{6}) {
		t.Fatalf("given %v, passed %v", got, s.passed)
	}

	// Seq 8 never comes, however often it is fetched: after maxMisses
	// complete answers without it, it is passed over as a hole.
	s.data(9, "i")
	for i := 0; i < maxMisses; i++ {
		low, hi, ok := s.gap()
		if !ok || low != 8 || hi != 9 {
			t.Fatalf("round %d: gap %d..%d %v", i, low, hi, ok)
		}
		s.fetch = &fetch{id: "g", low: low, hi: hi}
		s.fetched(204, 0)
	}
	if s.last != 9 || s.holes != 1 || !slices.Equal(s.passed, []int{6, 8}) {
		t.Fatalf("last %d, holes %d, passed %v", s.last, s.holes, s.passed)
	}

	// A full page proves nothing about the seqs below it.
	s.data(300, "x")
	s.fetch = &fetch{id: "g", low: 10, hi: 300}
	s.fetched(208, pageLimit)
	if len(s.misses) != 0 {
		t.Fatalf("misses after a full page: %v", s.misses)
	}

	// Only a final open-ended get answering "nothing" marks the tail.
	s = newStream("t", "grpX")
	s.fetch = &fetch{id: "sub", low: 1}
	s.fetched(204, 0)
	if s.tail {
		t.Fatal("tail from a get sent before the senders finished")
	}
	s.fetch = &fetch{id: "g", low: 1, final: true}
	s.fetched(204, 0)
	if !s.tail {
		t.Fatal("no tail after a final get found nothing")
	}
	s.data(1, "a")
	if s.tail {
		t.Fatal("still at the tail after a new message")
	}
}

package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// testAppendConcurrent has many goroutines append to several topics at
// once, as the hub's topic goroutines do. Whatever the adapter batches
// together, each topic must end up with seqs 1…n, each message once, and
// each caller must see its own messages in increasing seq order.
func testAppendConcurrent(t *testing.T, open Opener) {
	s := fresh(t, open)
	topics := []string{grpA, grpB, grpC, "grpDDDDDDDDDDDD"}
	for _, name := range topics {
		mustCreateTopic(t, s, name, alice, bob)
	}
	const workers, calls = 16, 20
	counts := make([]atomic.Int64, len(topics))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			appendWorker(t, s, w, calls, topics, counts)
		})
	}
	close(start)
	wg.Wait()
	for i, name := range topics {
		checkGapFree(t, s, name, int(counts[i].Load()))
	}
}

// appendWorker makes calls Append calls, some with one message and some
// with two to different topics, counting the messages stored per topic.
func appendWorker(t *testing.T, s store.Store, w, calls int, topics []string, counts []atomic.Int64) {
	last := map[string]int{}
	for i := range calls {
		idx := []int{(w + i) % len(topics)}
		msgs := []*store.Message{textMsg(topics[idx[0]], alice, fmt.Sprintf("w%d-%d", w, i), "x")}
		if i%3 == 0 {
			idx = append(idx, (w+i+1)%len(topics))
			msgs = append(msgs, textMsg(topics[idx[1]], bob, "", "y"))
		}
		res, err := s.Append(t.Context(), msgs)
		if err != nil {
			t.Errorf("worker %d: Append: %v", w, err)
			return
		}
		for j, r := range res {
			topic := msgs[j].Topic
			if r.Err != nil || r.Duplicate {
				t.Errorf("worker %d: result %+v for a new message", w, r)
				continue
			}
			if r.SeqID <= last[topic] {
				t.Errorf("worker %d: seq %d in %s after %d", w, r.SeqID, topic, last[topic])
			}
			last[topic] = r.SeqID
			counts[idx[j]].Add(1)
		}
	}
}

// checkGapFree checks that topic holds exactly seqs 1…n with distinct
// client ids.
func checkGapFree(t *testing.T, s store.Store, topic string, n int) {
	t.Helper()
	msgs, err := s.GetMessages(t.Context(), topic, alice, store.MessageQuery{})
	if err != nil {
		t.Fatalf("GetMessages(%s): %v", topic, err)
	}
	if len(msgs) != n {
		t.Errorf("%s holds %d messages, want %d", topic, len(msgs), n)
	}
	ids := map[string]int{}
	for i, m := range msgs {
		if want := n - i; m.SeqID != want {
			t.Errorf("%s: message %d has seq %d, want %d", topic, i, m.SeqID, want)
			break
		}
		if m.MsgID == "" {
			continue
		}
		if prev, ok := ids[m.MsgID]; ok {
			t.Errorf("%s: client id %q stored at seqs %d and %d", topic, m.MsgID, prev, m.SeqID)
		}
		ids[m.MsgID] = m.SeqID
	}
	if top := mustGetTopic(t, s, topic); top.SeqID != n {
		t.Errorf("%s: SeqID = %d, want %d", topic, top.SeqID, n)
	}
}

// testAppendConcurrentDup sends one client id from many goroutines at once,
// as a client retrying over several connections might: it must be stored
// once, and every caller must learn its seq.
func testAppendConcurrentDup(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	const n = 16
	results := make([]store.AppendResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			res, err := s.Append(t.Context(), []*store.Message{textMsg(grpA, alice, "same", fmt.Sprint(i))})
			if err != nil {
				t.Errorf("Append %d: %v", i, err)
				return
			}
			results[i] = res[0]
		})
	}
	close(start)
	wg.Wait()
	stored := 0
	for i, r := range results {
		if r.Err != nil || r.SeqID != 1 {
			t.Errorf("result %d = %+v, want seq 1", i, r)
		}
		if !r.Duplicate {
			stored++
		}
	}
	if stored != 1 {
		t.Errorf("%d calls stored the message, want exactly 1", stored)
	}
	if top := mustGetTopic(t, s, grpA); top.SeqID != 1 {
		t.Errorf("SeqID = %d, want 1", top.SeqID)
	}
}

package pool

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// naive is the reference model: a plain slice re-sorted after every
// operation, with the same ordering rules written as directly as possible.
type naive struct {
	items   []*nItem
	maxSeq  int
	counter uint64
}

type nItem struct {
	id    string
	seq   int // 0 until confirmed
	kseq  int
	local uint64
}

func (n *naive) find(id string) *nItem {
	for _, it := range n.items {
		if id != "" && it.id == id {
			return it
		}
	}
	return nil
}

func (n *naive) addLocal(id string) {
	n.counter++
	n.items = append(n.items, &nItem{id: id, kseq: n.maxSeq, local: n.counter})
	n.sort()
}

func (n *naive) insert(id string, seq int) {
	if it := n.find(id); it != nil {
		if it.seq == 0 {
			n.confirm(it, seq)
		}
		return
	}
	for _, it := range n.items {
		if it.seq == seq {
			return
		}
	}
	n.items = append(n.items, &nItem{id: id, seq: seq, kseq: seq})
	n.maxSeq = max(n.maxSeq, seq)
	n.sort()
}

func (n *naive) confirm(it *nItem, seq int) {
	if it.seq != 0 {
		return
	}
	old := it.local
	it.seq, it.kseq, it.local = seq, seq, 0
	n.maxSeq = max(n.maxSeq, seq)
	for _, q := range n.items {
		if q.seq == 0 && q.local > old && q.kseq < seq {
			q.kseq = seq
		}
	}
	n.sort()
}

func (n *naive) sort() {
	sort.SliceStable(n.items, func(i, j int) bool {
		a, b := n.items[i], n.items[j]
		if a.kseq != b.kseq {
			return a.kseq < b.kseq
		}
		return a.local < b.local
	})
}

func (n *naive) ids() []string {
	out := make([]string, len(n.items))
	for i, it := range n.items {
		out[i] = it.id
	}
	return out
}

func poolIDs(p *Pool) []string {
	var out []string
	for _, m := range p.Items() {
		out = append(out, m.MsgID)
	}
	return out
}

// event is something the simulated server sends the client.
type event struct {
	ack bool // a ctrl 202 for a local send; otherwise a {data}
	id  string
	seq int
}

// sim is a server assigning seqs, with a network that reorders and repeats.
type sim struct {
	rng     *rand.Rand
	seq     int
	stored  map[string]int
	order   []string // msgids in seq order
	unsent  []string // local sends not yet at the server, in send order
	network []event
	seen    []event // delivered data, for duplicate delivery
	nextID  int
}

func (s *sim) store(id string) int {
	if seq, ok := s.stored[id]; ok {
		return seq
	}
	s.seq++
	s.stored[id] = s.seq
	s.order = append(s.order, id)
	return s.seq
}

func TestPoolMatchesNaiveModel(t *testing.T) {
	for round := range 30 {
		t.Run(fmt.Sprint(round), func(t *testing.T) { runModel(t, uint64(round)) })
	}
}

func runModel(t *testing.T, seed uint64) {
	s := &sim{rng: rand.New(rand.NewPCG(seed, 7)), stored: map[string]int{}}
	p, n := New(), &naive{}
	now := time.Unix(0, 0)
	check := func(step int, what string) {
		t.Helper()
		if got, want := poolIDs(p), n.ids(); !slices.Equal(got, want) {
			t.Fatalf("step %d (%s): pool %v, model %v", step, what, got, want)
		}
	}
	deliver := func(e event) {
		if e.ack {
			p.Confirm(e.id, e.seq, now)
			if it := n.find(e.id); it != nil {
				n.confirm(it, e.seq)
			}
			return
		}
		p.Insert(NewRemote("t", e.id, "peer", false, e.seq, now, nil, nil))
		n.insert(e.id, e.seq)
		s.seen = append(s.seen, e)
	}
	for step := range 400 {
		var what string
		switch op := s.rng.IntN(7); {
		case op == 0: // a peer's message, with or without a msgid
			s.nextID++
			id := fmt.Sprintf("r%d", s.nextID)
			seq := s.store(id)
			if s.rng.IntN(2) == 0 {
				id = "" // old clients send none: dedup by seq only
			}
			s.network = append(s.network, event{id: id, seq: seq})
			what = "remote"
		case op == 1: // our send
			s.nextID++
			id := fmt.Sprintf("l%d", s.nextID)
			p.AddLocal(NewLocal("t", id, "me", nil, now))
			n.addLocal(id)
			s.unsent = append(s.unsent, id)
			what = "local"
		case op == 2 && len(s.unsent) > 0: // the server stores a send; retries reorder
			i := 0
			if s.rng.IntN(4) == 0 {
				i = s.rng.IntN(len(s.unsent))
			}
			id := s.unsent[i]
			s.unsent = slices.Delete(s.unsent, i, i+1)
			seq := s.store(id)
			s.network = append(s.network, event{ack: true, id: id, seq: seq}, event{id: id, seq: seq})
			what = "stored"
		case op <= 4 && len(s.network) > 0: // delivery, out of order
			i := s.rng.IntN(len(s.network))
			e := s.network[i]
			s.network = slices.Delete(s.network, i, i+1)
			deliver(e)
			what = "deliver"
		case op == 5 && len(s.seen) > 0: // duplicate delivery
			deliver(s.seen[s.rng.IntN(len(s.seen))])
			what = "duplicate"
		case op == 6 && len(s.unsent) > 0: // a timeout marks a send failed
			p.SetStatus(s.unsent[s.rng.IntN(len(s.unsent))], Failed)
			what = "fail"
		}
		check(step, what)
	}
	// Reconnect and resend everything; deliver all that is in flight.
	for _, id := range s.unsent {
		seq := s.store(id)
		s.network = append(s.network, event{ack: true, id: id, seq: seq})
	}
	for len(s.network) > 0 {
		i := s.rng.IntN(len(s.network))
		e := s.network[i]
		s.network = slices.Delete(s.network, i, i+1)
		deliver(e)
		check(-1, "drain")
	}
	// Finally the pool is the server's order, each message once.
	var got []int
	for _, m := range p.Items() {
		got = append(got, m.Seq())
	}
	for i, seq := range got {
		if seq != i+1 {
			t.Fatalf("final seqs %v are not 1..%d", got, s.seq)
		}
	}
	if len(got) != s.seq {
		t.Fatalf("pool has %d messages, server %d", len(got), s.seq)
	}
}

func TestConfirmKeepsLaterSendsBelow(t *testing.T) {
	p := New()
	now := time.Now()
	p.Insert(NewRemote("t", "", "peer", false, 5, now, nil, nil))
	a, b := NewLocal("t", "a", "me", nil, now), NewLocal("t", "b", "me", nil, now)
	p.AddLocal(a)
	p.Insert(NewRemote("t", "", "peer", false, 6, now, nil, nil))
	p.AddLocal(b)
	if got := poolIDs(p); !slices.Equal(got, []string{"", "a", "", "b"}) {
		t.Fatalf("before ack: %v", got)
	}
	p.Confirm("a", 7, now)
	if got := poolIDs(p); !slices.Equal(got, []string{"", "", "a", "b"}) {
		t.Fatalf("after ack: %v", got)
	}
	if a.Status() != Sent || b.Status() != Sending || b.Key() != (Key{Seq: 7, Local: 2}) {
		t.Fatalf("a %v, b %v %v", a.Status(), b.Status(), b.Key())
	}
}

func TestMarkPeer(t *testing.T) {
	p := New()
	now := time.Now()
	for i := range 4 {
		m := NewLocal("t", fmt.Sprint(i), "me", nil, now)
		p.AddLocal(m)
		p.Confirm(m.MsgID, i+1, now)
	}
	if ch := p.MarkPeer(Delivered, 3); len(ch) != 3 {
		t.Fatalf("delivered %d", len(ch))
	}
	if ch := p.MarkPeer(Read, 2); len(ch) != 2 {
		t.Fatalf("read %d", len(ch))
	}
	late := NewLocal("t", "late", "me", nil, now)
	p.AddLocal(late)
	p.Confirm("late", 0+2, now) // a seq already marked read by the peer
	if late.Status() != Read {
		t.Fatalf("late confirm got %v", late.Status())
	}
}

package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// Repair time is how long a {data} frame the relay dropped on its way to a
// client takes to reach that client after all: from the first time the
// relay read the seq from the gateway on that connection to the first ack
// from the client that covers it (note recv/read, or datares). Only frames
// that needed a resend count: a later copy of the seq must have passed the
// relay on the same connection before that ack. (A client that already had
// the seq from an earlier connection acks past it without a copy.) Frames
// whose connection ends before the ack are not counted either: they are
// repaired on another connection, after a reconnect.
//
// Repairs are told apart by the copy that did it: one the gateway resent or
// pushed again, or one in a history page the client asked for (the answer
// to a get data, or to a sub carrying one, up to the page's closing ctrl).

// RepairStats summarizes repair times.
type RepairStats struct {
	Repaired      int           // lost frames acknowledged on their connection
	P50, P90, P99 time.Duration // of their repair times
	OverSecond    int           // repairs that took a second or more
}

func (s RepairStats) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return fmt.Sprintf("%d repaired: p50 %v, p90 %v, p99 %v, %d took 1s or more", s.Repaired,
		r(s.P50), r(s.P90), r(s.P99), s.OverSecond)
}

// Repairs are a run's repair times: all of them, and by what repaired them.
type Repairs struct{ All, Resent, Refetched RepairStats }

func (r Repairs) String() string {
	return fmt.Sprintf("lost frames %v (%d by the gateway, p50 %v; %d by a refetch, p50 %v)", r.All,
		r.Resent.Repaired, r.Resent.P50.Round(100*time.Microsecond),
		r.Refetched.Repaired, r.Refetched.P50.Round(100*time.Microsecond))
}

// repairs collects the repair times of every connection of a relay.
type repairs struct {
	mu                sync.Mutex
	resent, refetched []time.Duration
}

func (r *repairs) add(d time.Duration, refetched bool) {
	r.mu.Lock()
	if refetched {
		r.refetched = append(r.refetched, d)
	} else {
		r.resent = append(r.resent, d)
	}
	r.mu.Unlock()
}

func (r *repairs) stats() Repairs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Repairs{All: summarize(slices.Concat(r.resent, r.refetched)),
		Resent: summarize(r.resent), Refetched: summarize(r.refetched)}
}

// summarize returns the count and percentiles (nearest rank) of times.
func summarize(times []time.Duration) RepairStats {
	if len(times) == 0 {
		return RepairStats{}
	}
	t := slices.Sorted(slices.Values(times))
	rank := func(p int) time.Duration { return t[min(len(t)-1, (len(t)*p+99)/100-1)] }
	over := len(t) - sort.Search(len(t), func(i int) bool { return t[i] >= time.Second })
	return RepairStats{Repaired: len(t), P50: rank(50), P90: rank(90), P99: rank(99), OverSecond: over}
}

// connRepairs follows one relayed connection: which seqs it has carried
// towards the client and which of them were dropped the first time.
type connRepairs struct {
	sink *repairs

	mu     sync.Mutex // the connection's two pipes call in concurrently
	topics map[string]*topicRepairs
}

type topicRepairs struct {
	acked int                  // highest seq the client acknowledged
	seen  map[int]bool         // seqs above acked carried so far
	lost  map[int]lostFrame    // of those, dropped the first time
	pages map[string]pageRange // history asked for and not yet answered in full, by request id
}

type lostFrame struct {
	at time.Time // first read from the gateway
	// repaired is set when a later copy passed the relay; refetched when
	// that copy was part of a history page.
	repaired, refetched bool
}

// pageRange is the range a get data asks for: since low, before hi (0: open).
type pageRange struct{ low, hi int }

func newConnRepairs(sink *repairs) *connRepairs {
	return &connRepairs{sink: sink, topics: map[string]*topicRepairs{}}
}

// topicLocked returns the state of topic name, creating it; c.mu is held.
func (c *connRepairs) topicLocked(name string) *topicRepairs {
	tr := c.topics[name]
	if tr == nil {
		tr = &topicRepairs{seen: map[int]bool{}, lost: map[int]lostFrame{}, pages: map[string]pageRange{}}
		c.topics[name] = tr
	}
	return tr
}

var (
	dataPrefix    = []byte(`{"data"`)
	ctrlPrefix    = []byte(`{"ctrl"`)
	notePrefix    = []byte(`{"note"`)
	dataresPrefix = []byte(`{"datares"`)
	getPrefix     = []byte(`{"get"`)
	subPrefix     = []byte(`{"sub"`)
)

// toClient notes a frame read from the gateway; dropped says the relay
// does not forward it.
func (c *connRepairs) toClient(b []byte, dropped bool, now time.Time) {
	var m serverMsg
	if !bytes.HasPrefix(b, dataPrefix) && !bytes.HasPrefix(b, ctrlPrefix) || json.Unmarshal(b, &m) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.Ctrl != nil {
		// A page ends with its closing ctrl (208 or 204) or a refusal; the
		// 200 of a sub carrying a get comes before its page. Request ids
		// are unique on a connection, whatever the topic.
		if m.Ctrl.Code != 200 {
			for _, tr := range c.topics {
				delete(tr.pages, m.Ctrl.ID)
			}
		}
		return
	}
	if m.Data == nil || m.Data.Seq <= 0 {
		return
	}
	tr := c.topicLocked(m.Data.Topic)
	seq := m.Data.Seq
	switch {
	case seq <= tr.acked:
	case !tr.seen[seq]:
		tr.seen[seq] = true
		if dropped {
			tr.lost[seq] = lostFrame{at: now}
		}
	case !dropped:
		if l, ok := tr.lost[seq]; ok && !l.repaired {
			tr.lost[seq] = lostFrame{at: l.at, repaired: true, refetched: tr.paged(seq)}
		}
	}
}

// paged reports whether seq is in a history page being answered.
func (tr *topicRepairs) paged(seq int) bool {
	for _, p := range tr.pages {
		if seq >= p.low && (p.hi == 0 || seq < p.hi) {
			return true
		}
	}
	return false
}

// clientMsg is what the repair log reads of a client frame.
type clientMsg struct {
	Note *struct {
		Topic, What string
		Seq         int
	}
	DataRes *struct {
		Acks []struct {
			Topic string
			Seq   int
		}
	} `json:"datares"`
	Get *getMsg
	Sub *struct {
		ID, Topic string
		Get       *getMsg
	}
}

type getMsg struct {
	ID, Topic, What string
	Data            *struct{ Since, Before int }
}

// fromClient notes a frame the client sent: its acks end repairs, and its
// requests for history mark the frames that answer them.
func (c *connRepairs) fromClient(b []byte, now time.Time) {
	var m clientMsg
	if !slices.ContainsFunc([][]byte{notePrefix, dataresPrefix, getPrefix, subPrefix},
		func(p []byte) bool { return bytes.HasPrefix(b, p) }) || json.Unmarshal(b, &m) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case m.Note != nil && (m.Note.What == "recv" || m.Note.What == "read"):
		c.ackLocked(m.Note.Topic, m.Note.Seq, now)
	case m.DataRes != nil:
		for _, a := range m.DataRes.Acks {
			c.ackLocked(a.Topic, a.Seq, now)
		}
	case m.Get != nil:
		c.askLocked(m.Get.ID, m.Get.Topic, m.Get)
	case m.Sub != nil && m.Sub.Get != nil:
		c.askLocked(m.Sub.ID, m.Sub.Topic, m.Sub.Get)
	}
}

func (c *connRepairs) askLocked(id, topic string, g *getMsg) {
	if g.What != "data" || g.Data == nil {
		return
	}
	c.topicLocked(topic).pages[id] = pageRange{low: g.Data.Since, hi: g.Data.Before}
}

func (c *connRepairs) ackLocked(topic string, seq int, now time.Time) {
	tr := c.topics[topic]
	if tr == nil || seq <= tr.acked {
		return
	}
	tr.acked = seq
	for s, l := range tr.lost {
		if s <= seq {
			if l.repaired {
				c.sink.add(now.Sub(l.at), l.refetched)
			}
			delete(tr.lost, s)
		}
	}
	for s := range tr.seen {
		if s <= seq {
			delete(tr.seen, s)
		}
	}
}

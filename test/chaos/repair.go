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
// from the client that covers it (note recv/read, or datares). Whatever
// repaired it counts: the gateway resending it, or the client fetching the
// gap. Frames whose connection ends before the ack are not counted (they
// are repaired on another connection, after a reconnect).
//
// Frames that were part of a history page (the answer to a get data, or to
// a sub carrying one) are counted apart: the gateway does not track those
// in its delivery window, so only the client's own refetch repairs them,
// and they say nothing about the gateway's retransmissions.

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

// Repairs are a run's repair times: of pushed frames, and of frames of
// history pages.
type Repairs struct{ Pushed, Paged RepairStats }

func (r Repairs) String() string {
	return fmt.Sprintf("lost pushes %v; lost history frames %v", r.Pushed, r.Paged)
}

// repairs collects the repair times of every connection of a relay.
type repairs struct {
	mu            sync.Mutex
	pushed, paged []time.Duration
}

func (r *repairs) add(d time.Duration, paged bool) {
	r.mu.Lock()
	if paged {
		r.paged = append(r.paged, d)
	} else {
		r.pushed = append(r.pushed, d)
	}
	r.mu.Unlock()
}

func (r *repairs) stats() Repairs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Repairs{Pushed: summarize(r.pushed), Paged: summarize(r.paged)}
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
	at    time.Time // first read from the gateway
	paged bool      // part of a history page
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
	if seq <= tr.acked || tr.seen[seq] {
		return
	}
	tr.seen[seq] = true
	if dropped {
		tr.lost[seq] = lostFrame{at: now, paged: tr.paged(seq)}
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
			c.sink.add(now.Sub(l.at), l.paged)
			delete(tr.lost, s)
		}
	}
	for s := range tr.seen {
		if s <= seq {
			delete(tr.seen, s)
		}
	}
}

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

// RepairStats summarizes the repair times of one run.
type RepairStats struct {
	Repaired      int           // lost frames acknowledged on their connection
	P50, P90, P99 time.Duration // of their repair times
	OverSecond    int           // repairs that took a second or more
}

func (s RepairStats) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return fmt.Sprintf("%d lost frames repaired: p50 %v, p90 %v, p99 %v, %d took 1s or more", s.Repaired,
		r(s.P50), r(s.P90), r(s.P99), s.OverSecond)
}

// repairs collects the repair times of every connection of a relay.
type repairs struct {
	mu    sync.Mutex
	times []time.Duration
}

func (r *repairs) add(d time.Duration) {
	r.mu.Lock()
	r.times = append(r.times, d)
	r.mu.Unlock()
}

// stats returns the count and percentiles (nearest rank) so far.
func (r *repairs) stats() RepairStats {
	r.mu.Lock()
	t := slices.Clone(r.times)
	r.mu.Unlock()
	if len(t) == 0 {
		return RepairStats{}
	}
	slices.Sort(t)
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
	acked int               // highest seq the client acknowledged
	seen  map[int]bool      // seqs above acked carried so far
	lost  map[int]time.Time // of those, dropped the first time: when
}

func newConnRepairs(sink *repairs) *connRepairs {
	return &connRepairs{sink: sink, topics: map[string]*topicRepairs{}}
}

var (
	dataPrefix    = []byte(`{"data"`)
	notePrefix    = []byte(`{"note"`)
	dataresPrefix = []byte(`{"datares"`)
)

// toClient notes a frame read from the gateway; dropped says the relay
// does not forward it.
func (c *connRepairs) toClient(b []byte, dropped bool, now time.Time) {
	if !bytes.HasPrefix(b, dataPrefix) {
		return
	}
	var m struct{ Data dataMsg }
	if json.Unmarshal(b, &m) != nil || m.Data.Seq <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tr := c.topics[m.Data.Topic]
	if tr == nil {
		tr = &topicRepairs{seen: map[int]bool{}, lost: map[int]time.Time{}}
		c.topics[m.Data.Topic] = tr
	}
	seq := m.Data.Seq
	if seq <= tr.acked || tr.seen[seq] {
		return
	}
	tr.seen[seq] = true
	if dropped {
		tr.lost[seq] = now
	}
}

// fromClient notes a frame the client sent: its acks end repairs.
func (c *connRepairs) fromClient(b []byte, now time.Time) {
	var m struct {
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
	}
	if !bytes.HasPrefix(b, notePrefix) && !bytes.HasPrefix(b, dataresPrefix) || json.Unmarshal(b, &m) != nil {
		return
	}
	if m.Note != nil && (m.Note.What == "recv" || m.Note.What == "read") {
		c.ack(m.Note.Topic, m.Note.Seq, now)
	}
	if m.DataRes != nil {
		for _, a := range m.DataRes.Acks {
			c.ack(a.Topic, a.Seq, now)
		}
	}
}

func (c *connRepairs) ack(topic string, seq int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tr := c.topics[topic]
	if tr == nil || seq <= tr.acked {
		return
	}
	tr.acked = seq
	for s, at := range tr.lost {
		if s <= seq {
			c.sink.add(now.Sub(at))
			delete(tr.lost, s)
		}
	}
	for s := range tr.seen {
		if s <= seq {
			delete(tr.seen, s)
		}
	}
}

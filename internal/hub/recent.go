package hub

import (
	"time"

	"github.com/parley-im/parley/internal/store"
)

// recentSize is how many of a topic's latest messages stay in memory, so a
// session that fell behind can be caught up without reading the store inside
// the actor. Further behind, the session is told to page history.
const recentSize = 256

// recentLog is a ring of a topic's latest messages. Seqs are gap-free, so a
// message's slot is its seq modulo the capacity. The ring (32 KB) is
// allocated with the first message: a topic without messages, or one that
// does not exist, costs nothing here.
type recentLog struct {
	ring []store.Message
	low  int // lowest seq held; 0 when empty
	high int // highest seq held
}

// add appends the next stored message.
func (r *recentLog) add(m *store.Message) {
	if r.ring == nil {
		r.ring = make([]store.Message, recentSize)
	}
	r.ring[m.SeqID%recentSize] = *m
	if r.low == 0 {
		r.low = m.SeqID
	}
	r.high = m.SeqID
	if r.high-r.low >= recentSize {
		r.low = r.high - recentSize + 1
	}
}

// oldest is the lowest seq held, or next when nothing is.
func (r *recentLog) oldest(next int) int {
	if r.low == 0 {
		return next
	}
	return r.low
}

// get returns the message at seq, or nil if it is not held.
func (r *recentLog) get(seq int) *store.Message {
	if r.low == 0 || seq < r.low || seq > r.high {
		return nil
	}
	m := &r.ring[seq%recentSize]
	if m.SeqID != seq {
		return nil
	}
	return m
}

// load fills the log from messages given newest first, as the store returns
// them.
func (r *recentLog) load(newestFirst []store.Message) {
	for i := len(newestFirst) - 1; i >= 0; i-- {
		r.add(&newestFirst[i])
	}
}

// wipe marks held messages in [low, hi) as hard-deleted.
func (r *recentLog) wipe(low, hi int, at time.Time) {
	for seq := max(low, r.low); seq < hi && seq <= r.high; seq++ {
		if m := r.get(seq); m != nil {
			m.Content, m.Head, m.DeletedAt = nil, nil, at
		}
	}
}

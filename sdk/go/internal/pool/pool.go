package pool

import (
	"math"
	"slices"
	"time"
)

// Result says what Insert did with a message from the server.
type Result int

const (
	Added     Result = iota // a new message entered the pool
	Confirmed               // it was our own unconfirmed message: now at its seq
	Duplicate               // already there (same msgid or same seq): dropped
)

// entry keeps the key next to the message so that binary search compares
// plain values and never takes a message's lock.
type entry struct {
	key Key
	m   *Message
}

// Pool is one conversation's messages in display order. It is not safe for
// concurrent use: the conversation that owns it holds a lock around calls.
type Pool struct {
	items []entry
	byID  map[string]*Message
	// pending are unconfirmed local messages in send order, so that a
	// confirmation can move the later sends along with it.
	pending []*Message
	maxSeq  int
	counter uint64
	// The peers' highest delivery and read marks, applied to own messages
	// that are confirmed after the mark arrived.
	recvMark, readMark int
}

// New returns an empty pool.
func New() *Pool { return &Pool{byID: map[string]*Message{}} }

// Len is the number of messages.
func (p *Pool) Len() int { return len(p.items) }

// MaxSeq is the highest confirmed seq in the pool.
func (p *Pool) MaxSeq() int { return p.maxSeq }

// Items returns the messages in display order.
func (p *Pool) Items() []*Message {
	out := make([]*Message, len(p.items))
	for i, e := range p.items {
		out[i] = e.m
	}
	return out
}

// Get finds a message by msgid.
func (p *Pool) Get(msgid string) *Message { return p.byID[msgid] }

// BySeq finds a confirmed message by seq in O(log n).
func (p *Pool) BySeq(seq int) *Message {
	if i, ok := p.search(Key{Seq: seq}); ok {
		return p.items[i].m
	}
	return nil
}

// Index is the display position of m, or -1.
func (p *Pool) Index(m *Message) int {
	if i, ok := p.search(m.Key()); ok && p.items[i].m == m {
		return i
	}
	return -1
}

// AddLocal places a message this client is sending after the last seq it
// has seen and after its earlier sends. It reports false for a msgid that
// is already in the pool.
func (p *Pool) AddLocal(m *Message) bool {
	if _, dup := p.byID[m.MsgID]; dup {
		return false
	}
	p.counter++
	p.insert(m, Key{Seq: p.maxSeq, Local: p.counter})
	p.byID[m.MsgID] = m
	p.pending = append(p.pending, m)
	return true
}

// Insert adds a message from the server, deduplicating by msgid and seq. A
// message whose msgid matches one of our unconfirmed sends confirms it
// instead (the ack was lost but the message was stored); the returned
// message is then the one already in the pool.
func (p *Pool) Insert(m *Message) (Result, *Message) {
	if m.MsgID != "" {
		if old := p.byID[m.MsgID]; old != nil {
			if old.Seq() != 0 {
				return Duplicate, old
			}
			p.confirm(old, m.Seq(), m.Time())
			return Confirmed, old
		}
	}
	seq := m.Seq()
	if _, dup := p.search(Key{Seq: seq}); dup {
		return Duplicate, p.BySeq(seq)
	}
	p.insert(m, Key{Seq: seq})
	if m.MsgID != "" {
		p.byID[m.MsgID] = m
	}
	p.maxSeq = max(p.maxSeq, seq)
	p.applyMarks(m)
	return Added, m
}

// Confirm moves our message to the seq the server gave it. It returns the
// message and whether anything changed (false for a repeated ack).
func (p *Pool) Confirm(msgid string, seq int, ts time.Time) (*Message, bool) {
	m := p.byID[msgid]
	if m == nil || m.Seq() != 0 {
		return m, false
	}
	if other := p.BySeq(seq); other != nil {
		// The same message seen without its msgid: keep ours.
		p.drop(other)
	}
	p.confirm(m, seq, ts)
	return m, true
}

// SetStatus marks an unconfirmed message Failed, Blocked or (to resend)
// Sending. It reports whether the status changed.
func (p *Pool) SetStatus(msgid string, s Status) (*Message, bool) {
	m := p.byID[msgid]
	if m == nil || m.Seq() != 0 {
		return m, false
	}
	return m, m.setStatus(s)
}

// MarkPeer records that a peer received (Delivered) or read (Read) up to
// seq, and raises the status of our messages up to it. It returns the
// messages that changed. It walks down from seq and stops at the first own
// message already marked, because marks only grow.
func (p *Pool) MarkPeer(s Status, seq int) []*Message {
	if s == Read {
		p.readMark = max(p.readMark, seq)
	}
	p.recvMark = max(p.recvMark, seq)
	i, _ := p.search(Key{Seq: seq, Local: math.MaxUint64})
	var changed []*Message
	for j := i - 1; j >= 0; j-- {
		e := p.items[j]
		if e.key.Local != 0 || !e.m.Own {
			continue
		}
		if st := e.m.Status(); st >= s {
			break
		}
		if e.m.setStatus(s) {
			changed = append(changed, e.m)
		}
	}
	return changed
}

func (p *Pool) confirm(m *Message, seq int, ts time.Time) {
	old := m.Key()
	p.remove(m)
	m.confirm(seq, ts)
	p.insert(m, Key{Seq: seq})
	p.maxSeq = max(p.maxSeq, seq)
	p.pending = slices.DeleteFunc(p.pending, func(q *Message) bool { return q == m })
	// Later sends were written after this one; until their own seq comes,
	// they belong after it, not above it.
	for _, q := range p.pending {
		if k := q.Key(); k.Local > old.Local && k.Seq < seq {
			p.remove(q)
			p.insert(q, Key{Seq: seq, Local: k.Local})
		}
	}
	p.applyMarks(m)
}

// applyMarks gives an own message that became confirmed the status the
// peers' marks already imply.
func (p *Pool) applyMarks(m *Message) {
	if !m.Own {
		return
	}
	switch seq := m.Seq(); {
	case seq <= p.readMark:
		m.setStatus(Read)
	case seq <= p.recvMark:
		m.setStatus(Delivered)
	}
}

func (p *Pool) search(k Key) (int, bool) {
	return slices.BinarySearchFunc(p.items, k, func(e entry, k Key) int { return e.key.Compare(k) })
}

func (p *Pool) insert(m *Message, k Key) {
	i, _ := p.search(k)
	m.setKey(k)
	p.items = slices.Insert(p.items, i, entry{key: k, m: m})
}

func (p *Pool) remove(m *Message) {
	if i, ok := p.search(m.Key()); ok && p.items[i].m == m {
		p.items = slices.Delete(p.items, i, i+1)
	}
}

// drop removes m from the pool entirely.
func (p *Pool) drop(m *Message) {
	p.remove(m)
	if p.byID[m.MsgID] == m {
		delete(p.byID, m.MsgID)
	}
}

// Package trace records the life of every message — accepted, deduplicated,
// stored with its seq, pushed to a session (attempt n), acknowledged,
// retransmitted, given up — in bounded memory, so "where is message X?" is
// answered by one query instead of days of log reading. Every event is also
// counted by stage for metrics and written to the debug log.
package trace

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Stage is a step in a message's life.
type Stage string

// The stages, in the order a message normally passes them.
const (
	Accepted      Stage = "accepted"      // a pub passed validation and was queued for storage
	Duplicate     Stage = "duplicate"     // its msgid was already stored: answered with the original seq
	Stored        Stage = "stored"        // durable in the store with a seq; the sender was acknowledged
	Failed        Stage = "failed"        // the store refused it; the sender got an error
	Pushed        Stage = "pushed"        // sent to a session for the first time
	Retransmitted Stage = "retransmitted" // sent to a session again because no ack came in time
	Acked         Stage = "acked"         // the session acknowledged it (note recv or datares)
	GaveUp        Stage = "gave_up"       // retransmission limit reached; the session is lagging
	Dropped       Stage = "dropped"       // a session's outbound queue overflowed
)

// Stages lists every stage, for metrics.
var Stages = []Stage{Accepted, Duplicate, Stored, Failed, Pushed, Retransmitted, Acked, GaveUp, Dropped}

// Event is one step of one message. Topic is the internal topic name.
type Event struct {
	Time    time.Time `json:"time"`
	Stage   Stage     `json:"stage"`
	Topic   string    `json:"topic"`
	Seq     int       `json:"seq,omitempty"`
	MsgID   string    `json:"msgid,omitempty"`
	Session string    `json:"session,omitempty"`
	User    string    `json:"user,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// key identifies a message by topic and seq.
type key struct {
	topic string
	seq   int
}

// Recorder keeps the last Capacity events and indexes them by msgid and by
// topic and seq. It is safe for concurrent use.
type Recorder struct {
	// Static after construction.
	log *slog.Logger

	mu     sync.Mutex // guards everything below
	ring   []Event
	next   int // index of the slot the next event goes to
	full   bool
	counts map[Stage]uint64
	msgSeq map[msgKey]key // a message's client id → its seq, for events that know only the seq
}

// msgKey is a message's client id within its topic. A struct rather than
// one joined string, so that recording an event allocates no key.
type msgKey struct{ topic, msgID string }

// NewRecorder keeps up to capacity events (at least 1).
func NewRecorder(capacity int, log *slog.Logger) *Recorder {
	return &Recorder{log: log, ring: make([]Event, max(capacity, 1)),
		counts: map[Stage]uint64{}, msgSeq: map[msgKey]key{}}
}

// Record adds an event. A nil Recorder records nothing, so callers need no
// checks.
func (r *Recorder) Record(e Event) {
	if r == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	r.mu.Lock()
	if old := r.ring[r.next]; r.full && old.MsgID != "" && old.Stage == Stored {
		// Forget the msgid only if it still points at this event's seq: a
		// later Stored event for the same msgid owns the entry now.
		if k := (msgKey{old.Topic, old.MsgID}); r.msgSeq[k] == (key{old.Topic, old.Seq}) {
			delete(r.msgSeq, k)
		}
	}
	r.ring[r.next] = e
	r.next = (r.next + 1) % len(r.ring)
	r.full = r.full || r.next == 0
	r.counts[e.Stage]++
	if e.Stage == Stored && e.MsgID != "" {
		r.msgSeq[msgKey{e.Topic, e.MsgID}] = key{e.Topic, e.Seq}
	}
	r.mu.Unlock()
	if r.log != nil && r.log.Enabled(context.Background(), slog.LevelDebug) {
		r.log.Debug("message", "stage", string(e.Stage), "topic", e.Topic, "seq", e.Seq, "msgid", e.MsgID,
			"session", e.Session, "attempt", e.Attempt, "detail", e.Detail)
	}
}

// Count returns how many events of a stage were recorded since start; a nil
// Recorder counts nothing.
func (r *Recorder) Count(s Stage) uint64 {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[s]
}

// ByMsgID returns the events of the message with this msgid, in any topic
// when topic is empty, oldest first. Events that carry only the seq (pushes,
// acks) are included once the message's stored event is known. An empty
// msgID matches nothing.
func (r *Recorder) ByMsgID(topic, msgID string) []Event {
	if r == nil || msgID == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seqs := map[key]bool{}
	for k, v := range r.msgSeq {
		if (topic == "" || v.topic == topic) && k.msgID == msgID {
			seqs[v] = true
		}
	}
	return r.collectLocked(func(e *Event) bool {
		return (e.MsgID == msgID && (topic == "" || e.Topic == topic)) || seqs[key{e.Topic, e.Seq}]
	})
}

// BySeq returns the events of the message at seq in topic, oldest first.
// Seqs start at 1; a smaller seq matches nothing.
func (r *Recorder) BySeq(topic string, seq int) []Event {
	if r == nil || seq < 1 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var msgID string
	for k, v := range r.msgSeq {
		if v == (key{topic, seq}) {
			msgID = k.msgID
		}
	}
	return r.collectLocked(func(e *Event) bool {
		return e.Topic == topic && (e.Seq == seq || (msgID != "" && e.MsgID == msgID))
	})
}

// collectLocked returns the events matching keep, oldest first.
func (r *Recorder) collectLocked(keep func(*Event) bool) []Event {
	var out []Event
	n := r.next
	if r.full {
		n = len(r.ring)
	}
	start := 0
	if r.full {
		start = r.next
	}
	for i := 0; i < n; i++ {
		e := &r.ring[(start+i)%len(r.ring)]
		if keep(e) {
			out = append(out, *e)
		}
	}
	return out
}

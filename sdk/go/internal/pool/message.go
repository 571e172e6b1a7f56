// Package pool is the SDK's message model and per-conversation data pool.
//
// A Pool holds one topic's messages sorted by Key. Confirmed messages sit at
// their server seq; unconfirmed ones (sending, offline, failed, blocked) sit
// at a virtual position right after the last seq their sender had seen, in
// send order. Lookup, insertion and moves use binary search over the sorted
// slice, and duplicates are recognised by msgid and by seq, so a message
// that arrives twice (echo, history page, retry after a lost ack) shows once.
package pool

import (
	"encoding/json"
	"sync"
	"time"
)

// Status is where a message is in its delivery.
type Status int32

const (
	Sending   Status = iota // created locally, not yet acknowledged
	Sent                    // stored by the server: has a seq
	Delivered               // the peer's client received it
	Read                    // the peer read it
	Failed                  // gave up or rejected; may be resent
	Blocked                 // refused by policy (e.g. sensitive words)
	InReview                // held by the policy until staff decide; no seq yet
	Rejected                // held, then rejected in review: never delivered
)

func (s Status) String() string {
	switch s {
	case Sending:
		return "sending"
	case Sent:
		return "sent"
	case Delivered:
		return "delivered"
	case Read:
		return "read"
	case Failed:
		return "failed"
	case Blocked:
		return "blocked"
	case InReview:
		return "in review"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// Key orders messages in a pool. A confirmed message has Key{Seq: seq}; an
// unconfirmed one Key{Seq: last seq seen, Local: send counter}, which sorts
// after that seq, before the next one, and after earlier local sends.
type Key struct {
	Seq   int
	Local uint64
}

// Compare orders keys: by Seq, then by Local.
func (k Key) Compare(o Key) int {
	switch {
	case k.Seq != o.Seq:
		if k.Seq < o.Seq {
			return -1
		}
		return 1
	case k.Local < o.Local:
		return -1
	case k.Local > o.Local:
		return 1
	}
	return 0
}

// Message is one chat message. The exported fields never change after the
// message is created; the rest changes as it is delivered and is read
// through methods, which are safe from any goroutine.
type Message struct {
	MsgID   string
	Topic   string
	From    string
	Own     bool // sent by this user (from this or another device)
	Head    map[string]any
	Content json.RawMessage

	mu sync.Mutex
	// Guarded by mu.
	key    Key
	status Status
	ts     time.Time
	// policy is the message policy's verdict on an own message ("" when
	// it passed untouched); masked the content as stored and delivered to
	// the others when it was masked.
	policy string
	masked json.RawMessage
}

// Verdicts of the message policy on an own message (Message.Policy).
const (
	PolicyBlocked  = "blocked"
	PolicyMasked   = "masked"
	PolicyReview   = "review"
	PolicyApproved = "approved"
	PolicyRejected = "rejected"
)

// Policy is the message policy's verdict on this message, "" if none:
// PolicyBlocked, PolicyMasked, PolicyReview (held), PolicyApproved or
// PolicyRejected (after review).
func (m *Message) Policy() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.policy
}

// Shown is the content to show: what everyone was delivered, which for a
// masked message is the masked content, not what was typed.
func (m *Message) Shown() json.RawMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.masked != nil {
		return m.masked
	}
	return m.Content
}

// SetPolicy records the policy's verdict, with the masked content when it
// masked the message.
func (m *Message) SetPolicy(verdict string, masked json.RawMessage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.policy = verdict
	if masked != nil {
		m.masked = masked
	}
}

// NewLocal creates a message this client is about to send.
func NewLocal(topic, msgid, from string, content json.RawMessage, now time.Time) *Message {
	return &Message{MsgID: msgid, Topic: topic, From: from, Own: true, Content: content,
		Head: map[string]any{"msgid": msgid}, status: Sending, ts: now}
}

// NewRemote creates a message received from the server with its seq.
func NewRemote(topic, msgid, from string, own bool, seq int, ts time.Time,
	head map[string]any, content json.RawMessage) *Message {
	return &Message{MsgID: msgid, Topic: topic, From: from, Own: own, Head: head,
		Content: content, key: Key{Seq: seq}, status: Sent, ts: ts}
}

// Seq is the server's seq, or 0 while unconfirmed.
func (m *Message) Seq() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key.Local != 0 {
		return 0
	}
	return m.key.Seq
}

// Key is the message's current position in its pool (its virtual seq while
// unconfirmed).
func (m *Message) Key() Key {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.key
}

// Status is the message's delivery status.
func (m *Message) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// Time is the server's timestamp, or the local creation time while
// unconfirmed.
func (m *Message) Time() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ts
}

func (m *Message) setKey(k Key) {
	m.mu.Lock()
	m.key = k
	m.mu.Unlock()
}

// setStatus changes the status and reports whether it changed.
func (m *Message) setStatus(s Status) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status == s {
		return false
	}
	m.status = s
	return true
}

// confirm gives the message its seq and the server's time.
func (m *Message) confirm(seq int, ts time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.key = Key{Seq: seq}
	if !ts.IsZero() {
		m.ts = ts
	}
	// Stored means sent, whatever a timeout or a retry had concluded.
	if m.status != Delivered && m.status != Read {
		m.status = Sent
	}
	// A held message that gets a seq was approved, whether the verdict or
	// the message itself arrives first.
	if m.policy == PolicyReview {
		m.policy = PolicyApproved
	}
}

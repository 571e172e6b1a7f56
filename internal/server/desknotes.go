package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
)

// The router hears from the other nodes what happens there that routing
// counts or reacts to: messages written in the service topics they own,
// their sessions' ends, deleted accounts. These notes must neither be
// lost nor counted twice, and a note must reach the router
// before an action that follows it (a conv.close sent once the message
// was acknowledged), or the closed conversation misses the message.
//
// So each node queues its notes in the order it makes them (the hub's
// hook runs before the sender hears its message is stored), and one
// goroutine, noteSender, sends them to the router's node in numbered
// batches with request/reply, repeating a batch until the router's node
// acknowledges it. The router's node applies each batch once per sending
// node (noteReceiver), and acknowledges only once its notes are queued in
// the routing actor. Before the router runs an action on a topic owned by
// another node, it asks that node to flush its notes (deskFlush): every
// note made before the action was sent is then counted before the action
// is decided.

// Kinds of note.
const (
	noteMessage = "msg"     // a message written in a service topic
	noteEnded   = "ended"   // a session of User ended
	noteDeleted = "deleted" // User's account was deleted
)

// routerNote is one note for the router.
type routerNote struct {
	Kind  string         `json:"k"`
	Topic string         `json:"t,omitempty"`
	User  proto.Uid      `json:"u"` // the message's writer, or the user
	Seq   int            `json:"seq,omitempty"`
	Head  map[string]any `json:"head,omitempty"`
}

// noteBatch is what a node sends: its notes numbered by batch, from 1.
type noteBatch struct {
	Node  string       `json:"node"`
	Batch uint64       `json:"batch"`
	Notes []routerNote `json:"notes"`
}

// noteAck is the router's node's answer to a batch it applied (or had).
var noteAck = []byte("ok")

const (
	maxQueuedNotes = 65536 // beyond, notes are dropped (a log line each)
	maxNoteBatch   = 256
	// noteGiveUp is how long a batch is repeated before it is dropped:
	// longer than a router's move takes (the lease) it is not.
	noteGiveUp = 30 * time.Second
	// noteTry bounds one attempt's round trip.
	noteTry = 2 * time.Second
	// flushWait bounds how long an action waits for a topic owner's notes.
	flushWait = 3 * time.Second
)

// noteSender delivers this node's notes to the router's node, in order.
type noteSender struct {
	node string // this node's id, which numbers its batches
	// try sends one encoded batch and reports whether the router's node
	// acknowledged it.
	try  func(batch []byte) bool
	log  *slog.Logger
	wake chan struct{} // a buffer of one: there are notes to send

	mu      sync.Mutex
	queue   []routerNote
	queued  uint64 // notes ever queued
	settled uint64 // notes delivered or given up, in queue order
	waiters []noteWaiter
	batch   uint64 // the last batch number used
}

// noteWaiter waits for the notes queued before it to be settled.
type noteWaiter struct {
	upTo uint64
	done chan struct{}
}

func newNoteSender(node string, try func([]byte) bool, log *slog.Logger) *noteSender {
	return &noteSender{node: node, try: try, log: log, wake: make(chan struct{}, 1)}
}

// add queues n; it never blocks (the hub's hook runs in a topic's actor).
func (s *noteSender) add(n routerNote) {
	s.mu.Lock()
	if len(s.queue) >= maxQueuedNotes {
		s.mu.Unlock()
		s.log.Warn("customer-service note dropped: too many waiting for the router", "kind", n.Kind, "topic", n.Topic)
		return
	}
	s.queue = append(s.queue, n)
	s.queued++
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// flush waits until every note queued before the call has been delivered
// (or given up), or ctx ends.
func (s *noteSender) flush(ctx context.Context) error {
	s.mu.Lock()
	if s.settled >= s.queued {
		s.mu.Unlock()
		return nil
	}
	w := noteWaiter{upTo: s.queued, done: make(chan struct{})}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run sends the queued notes until stop is closed.
func (s *noteSender) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			n := min(len(s.queue), maxNoteBatch)
			batch := s.queue[:n:n]
			s.queue = s.queue[n:]
			if len(s.queue) == 0 {
				s.queue = nil // let the array go
			}
			if n == 0 {
				s.mu.Unlock()
				break
			}
			s.batch++
			number := s.batch
			s.mu.Unlock()
			s.deliver(stop, number, batch)
			s.settle(uint64(n))
		}
	}
}

// settle counts n more notes as done and releases the waiters they were
// holding up.
func (s *noteSender) settle(n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settled += n
	kept := s.waiters[:0]
	for _, w := range s.waiters {
		if w.upTo <= s.settled {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	s.waiters = kept
}

// deliver sends one batch to whichever node runs the router until that
// node acknowledges it, stop is closed, or noteGiveUp passes.
func (s *noteSender) deliver(stop <-chan struct{}, number uint64, notes []routerNote) {
	b, err := json.Marshal(noteBatch{Node: s.node, Batch: number, Notes: notes})
	if err != nil {
		s.log.Warn("encoding customer-service notes", "err", err)
		return
	}
	giveUp := time.Now().Add(noteGiveUp)
	pause := 20 * time.Millisecond
	for {
		if s.try(b) {
			return
		}
		if time.Now().After(giveUp) {
			s.log.Warn("customer-service notes dropped: no router acknowledged them", "notes", len(notes))
			return
		}
		select {
		case <-stop:
			return
		case <-time.After(pause): // waiting for a router to answer, then trying again
		}
		pause = min(2*pause, time.Second)
	}
}

// sendNotes sends the encoded batch b once to the router's node and
// reports whether it acknowledged it (noteSender's try).
func (l *routerLeader) sendNotes(b []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), noteTry)
	defer cancel()
	node := l.s.node.RouterNode()
	switch node {
	case "":
		return false
	case l.s.node.ID(): // the router moved here meanwhile
		return string(l.takeNotes(ctx, b)) == string(noteAck)
	}
	out, err := l.s.node.AskDesk(ctx, node, deskNote, b)
	if err != nil {
		l.s.log.Debug("sending customer-service notes", "node", node, "err", err)
		return false
	}
	return string(out) == string(noteAck)
}

// noteReceiver applies the batches of notes other nodes send the router,
// each once: a batch repeated because its acknowledgement was lost, or
// one that timed out half applied, is not counted again.
type noteReceiver struct {
	mu sync.Mutex // one batch at a time, in order
	// rt is the router the marks below are for: a new router starts from
	// the store and takes every batch.
	rt    *desk.Router
	marks map[string]batchMark // by sending node
}

// batchMark is how far a node's batches have been applied.
type batchMark struct {
	batch uint64
	notes int // of that batch
}

// takeNotes answers a batch of notes another node (or this node's own
// sender) sends: noteAck once every note of it is queued in the routing
// actor, nothing when no router runs here (the sender tries again).
func (l *routerLeader) takeNotes(ctx context.Context, data []byte) []byte {
	var b noteBatch
	if err := json.Unmarshal(data, &b); err != nil {
		l.s.log.Warn("undecodable customer-service notes", "err", err)
		return noteAck // repeating it would not help
	}
	rt := l.router()
	if rt == nil {
		return nil
	}
	if !l.received.take(rt, b, func(n routerNote) error { return applyNote(ctx, rt, n) }) {
		return nil
	}
	return noteAck
}

// take applies the notes of b that rt has not had, in order, with apply,
// and reports whether all of them are applied now.
func (r *noteReceiver) take(rt *desk.Router, b noteBatch, apply func(routerNote) error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rt != rt {
		r.rt, r.marks = rt, map[string]batchMark{}
	}
	m := r.marks[b.Node]
	switch {
	case b.Batch < m.batch:
		return true
	case b.Batch > m.batch:
		m = batchMark{batch: b.Batch}
	}
	defer func() { r.marks[b.Node] = m }()
	for _, n := range b.Notes[min(m.notes, len(b.Notes)):] {
		if apply(n) != nil {
			return false
		}
		m.notes++
	}
	return true
}

// applyNote hands one note to the router.
func applyNote(ctx context.Context, rt *desk.Router, n routerNote) error {
	switch n.Kind {
	case noteMessage:
		return rt.Noted(ctx, n.Topic, n.User, n.Seq, n.Head)
	case noteEnded:
		rt.SessionEnded(n.User)
	case noteDeleted:
		rt.AccountDeleted(n.User)
	}
	return nil
}

// flushNotes answers the router's deskFlush: it returns once every note
// this node queued before it has been delivered, or within flushWait.
func (l *routerLeader) flushNotes(ctx context.Context, _ []byte) []byte {
	ctx, cancel := context.WithTimeout(ctx, flushWait)
	defer cancel()
	if err := l.notes.flush(ctx); err != nil {
		l.s.log.Warn("customer-service notes not delivered before an action", "err", err)
	}
	return noteAck
}

// awaitNotesOf makes sure, before the router decides an action on topic,
// that it has every note topic's owner made before the action was sent.
func (l *routerLeader) awaitNotesOf(topic string) {
	if topic == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushWait)
	defer cancel()
	switch owner := l.s.node.OwnerOf(topic); owner {
	case "":
	case l.s.node.ID():
		// Notes this node made before it ran the router are still on
		// their way through its own sender.
		_ = l.notes.flush(ctx)
	default:
		if _, err := l.s.node.AskDesk(ctx, owner, deskFlush, nil); err != nil {
			l.s.log.Warn("flushing the topic owner's customer-service notes", "topic", topic, "node", owner, "err", err)
		}
	}
}

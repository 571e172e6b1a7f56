package webhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Event types.
const (
	TypeMessageCreated = "message.created"
	// TypeConversation prefixes the conversation events: conversation.bot,
	// .queued, .assigned, .unassigned, .transferred, .closed, .reopened.
	TypeConversation = "conversation."
	// TypeReviewVerdict is a held message's review verdict.
	TypeReviewVerdict = "review.verdict"
)

// MessageReader reads a message's content for message.created.
type MessageReader interface {
	GetMessages(ctx context.Context, topic string, forUser proto.Uid, q store.MessageQuery) ([]store.Message, error)
}

// DeskWatcher turns what the router hears into outbox events; it
// implements desk.Watcher. One goroutine of its own writes them to the
// outbox in batches, one transaction each, so a busy desk costs one
// commit per batch, not per message, and the router never waits for the
// store; the order the router heard them in is kept.
//
// Messages are not taken from what the router says but read back from the
// topic, from the topic's cursor (the last seq turned into events, stored
// in the same transaction as the events) up to the message heard: a
// message whose note was lost — the router's buffer was full, or the
// process died between storing the message and writing its event — is
// still told, with the next message of its topic or, after a restart, by
// the catch-up that starts the watcher.
type DeskWatcher struct {
	outbox   *Outbox
	messages MessageReader
	log      *slog.Logger
	heard    chan heard
	done     chan struct{}
	cursor   map[string]int // owned by the writer goroutine
}

// heard is one thing the router told: a routing event or a message.
type heard struct {
	event *desk.Event
	msg   *MessageData
}

// Bounds of the watcher's hand-over: what may wait for the writer, and
// the most one transaction takes.
const (
	watcherBuffer = 16384
	watcherBatch  = 512
)

// NewDeskWatcher starts a watcher writing to o; messages is where
// message.created reads the content.
func NewDeskWatcher(o *Outbox, messages MessageReader, log *slog.Logger) *DeskWatcher {
	w := &DeskWatcher{outbox: o, messages: messages, log: log, heard: make(chan heard, watcherBuffer),
		done: make(chan struct{}), cursor: map[string]int{}}
	go w.write()
	return w
}

// readWindow is how many seqs one read of a topic covers.
const readWindow = 500

// catchUp turns the messages stored after each topic's cursor into
// events: those whose events a crash lost.
func (w *DeskWatcher) catchUp() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	marks, err := w.outbox.cfg.Store.WebhookMarks(ctx)
	if err != nil {
		w.warn("reading the webhook cursors: no catch-up", err)
		return
	}
	for _, m := range marks {
		w.cursor[m.Topic] = m.Seq
	}
	for _, m := range marks {
		for {
			events, last := w.messagesAfter(ctx, m.Topic, w.cursor[m.Topic], w.cursor[m.Topic]+readWindow)
			if last == 0 {
				break
			}
			w.enqueue(ctx, events, map[string]int{m.Topic: last})
		}
	}
}

// messagesAfter reads topic's messages after seq up to and including
// upTo, and returns their events (people's and the robot's messages: not
// the server's conversation events, not private notes) and the highest
// seq read (0: none).
func (w *DeskWatcher) messagesAfter(ctx context.Context, topic string, after, upTo int) ([]Event, int) {
	msgs, err := w.messages.GetMessages(ctx, topic, proto.ZeroUid, store.MessageQuery{Since: after + 1, Before: upTo + 1, Limit: upTo - after})
	if err != nil {
		w.warn("reading messages for webhooks", err)
		return nil, 0
	}
	last := 0
	var events []Event
	for i := len(msgs) - 1; i >= 0; i-- { // oldest first
		m := msgs[i]
		last = max(last, m.SeqID)
		if m.From == proto.ZeroUid || m.Head["private"] == true || !m.DeletedAt.IsZero() {
			continue
		}
		events = append(events, Event{Type: TypeMessageCreated, Conversation: topic,
			Data: MessageData{Topic: topic, Seq: m.SeqID, From: m.From.UserID(), Head: m.Head, Content: m.Content}})
	}
	return events, last
}

// Stop writes what was heard so far and ends the watcher. Call it after
// the router stopped: nothing may be heard after.
func (w *DeskWatcher) Stop() {
	close(w.heard)
	<-w.done
}

// ConversationEvent queues a routing event.
func (w *DeskWatcher) ConversationEvent(e desk.Event) { w.heard <- heard{event: &e} }

// MessageCreated queues a new message.
func (w *DeskWatcher) MessageCreated(topic string, from proto.Uid, seq int, head map[string]any) {
	w.heard <- heard{msg: &MessageData{Topic: topic, Seq: seq, From: from.UserID(), Head: head}}
}

// write takes what was heard in batches and stores each batch.
func (w *DeskWatcher) write() {
	defer close(w.done)
	w.catchUp()
	for h := range w.heard {
		batch := []heard{h}
	more:
		for len(batch) < watcherBatch {
			select {
			case h, ok := <-w.heard:
				if !ok {
					break more
				}
				batch = append(batch, h)
			default:
				break more
			}
		}
		w.store(batch)
	}
}

// enqueueTimeout bounds one batch's reads and store write.
const enqueueTimeout = 10 * time.Second

func (w *DeskWatcher) store(batch []heard) {
	ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
	defer cancel()
	var events []Event
	marks := map[string]int{}
	for _, h := range batch {
		if h.event != nil {
			events = append(events, conversationEvent(*h.event))
			continue
		}
		topic, seq := h.msg.Topic, h.msg.Seq
		after, known := w.cursor[topic]
		if !known {
			after = seq - 1 // a topic new to webhooks: from this message on
		}
		if seq <= after {
			continue // told already (the catch-up)
		}
		// Read in windows so a long gap is not one huge read.
		for after < seq {
			upTo := min(seq, after+readWindow)
			evs, _ := w.messagesAfter(ctx, topic, after, upTo)
			events = append(events, evs...)
			after = upTo
		}
		w.cursor[topic], marks[topic] = seq, seq
	}
	w.enqueue(ctx, events, marks)
}

// enqueue stores events with the topics' new cursors.
func (w *DeskWatcher) enqueue(ctx context.Context, events []Event, marks map[string]int) {
	ms := make([]store.WebhookMark, 0, len(marks))
	for t, s := range marks {
		ms = append(ms, store.WebhookMark{Topic: t, Seq: s})
		w.cursor[t] = max(w.cursor[t], s)
	}
	if len(events) == 0 {
		return // only server messages: the cursor may lag, they are skipped again
	}
	if _, err := w.outbox.EnqueueBatch(ctx, events, ms); err != nil {
		w.warn("webhook events not stored", err)
	}
}

func (w *DeskWatcher) warn(what string, err error) {
	if w.log != nil {
		w.log.Error(what, "err", err)
	}
}

// ConversationData is the data of a conversation event.
type ConversationData struct {
	Topic    string `json:"topic"`
	Team     string `json:"team"`
	Customer string `json:"customer"`
	State    string `json:"state"`
	Agent    string `json:"agent,omitempty"` // assigned, unassigned, closed
	From     string `json:"from,omitempty"`  // transferred
	To       string `json:"to,omitempty"`    // transferred: "usr…" or "team:NAME"
	By       string `json:"by,omitempty"`    // transferred, closed
	Reason   string `json:"reason,omitempty"`
}

func conversationEvent(e desk.Event) Event {
	d := ConversationData{Topic: e.Conv.Topic, Team: e.Conv.Team, Customer: uidOrEmpty(e.Conv.Customer),
		State: e.Conv.State, Agent: uidOrEmpty(e.Agent), From: uidOrEmpty(e.From), By: uidOrEmpty(e.By), Reason: e.Reason}
	if e.Kind == desk.EvTransferred {
		d.To = uidOrEmpty(e.To)
		if e.ToTeam != "" {
			d.To = "team:" + e.ToTeam
		}
	}
	return Event{Type: TypeConversation + e.Kind, Conversation: e.Conv.Topic, Data: d}
}

// MessageData is the data of message.created.
type MessageData struct {
	Topic   string          `json:"topic"`
	Seq     int             `json:"seq"`
	From    string          `json:"from"`
	Head    map[string]any  `json:"head,omitempty"`
	Content json.RawMessage `json:"content,omitempty"`
}

func uidOrEmpty(u proto.Uid) string {
	if u == proto.ZeroUid {
		return ""
	}
	return u.UserID()
}

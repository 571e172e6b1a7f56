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
type DeskWatcher struct {
	outbox   *Outbox
	messages MessageReader
	log      *slog.Logger
	heard    chan heard
	done     chan struct{}
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
		done: make(chan struct{})}
	go w.write()
	return w
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
	events := make([]Event, 0, len(batch))
	for _, h := range batch {
		if h.event != nil {
			events = append(events, conversationEvent(*h.event))
			continue
		}
		d := h.msg
		msgs, err := w.messages.GetMessages(ctx, d.Topic, proto.ZeroUid, store.MessageQuery{Since: d.Seq, Before: d.Seq + 1, Limit: 1})
		if err == nil && len(msgs) == 1 {
			d.Content = msgs[0].Content
		}
		events = append(events, Event{Type: TypeMessageCreated, Conversation: d.Topic, Data: d})
	}
	if _, err := w.outbox.EnqueueBatch(ctx, events); err != nil && w.log != nil {
		w.log.Error("webhook events not stored", "events", len(events), "err", err)
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

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
// implements desk.Watcher.
type DeskWatcher struct {
	Outbox   *Outbox
	Messages MessageReader
	Log      *slog.Logger
}

// enqueueTimeout bounds one event's store write.
const enqueueTimeout = 10 * time.Second

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

// ConversationEvent enqueues a routing event.
func (w *DeskWatcher) ConversationEvent(e desk.Event) {
	d := ConversationData{Topic: e.Conv.Topic, Team: e.Conv.Team, Customer: uidOrEmpty(e.Conv.Customer),
		State: e.Conv.State, Agent: uidOrEmpty(e.Agent), From: uidOrEmpty(e.From), By: uidOrEmpty(e.By), Reason: e.Reason}
	if e.Kind == desk.EvTransferred {
		d.To = uidOrEmpty(e.To)
		if e.ToTeam != "" {
			d.To = "team:" + e.ToTeam
		}
	}
	w.enqueue(Event{Type: TypeConversation + e.Kind, Conversation: e.Conv.Topic, Data: d})
}

// MessageData is the data of message.created.
type MessageData struct {
	Topic   string          `json:"topic"`
	Seq     int             `json:"seq"`
	From    string          `json:"from"`
	Head    map[string]any  `json:"head,omitempty"`
	Content json.RawMessage `json:"content,omitempty"`
}

// MessageCreated enqueues a new message, with its content read back from
// the store.
func (w *DeskWatcher) MessageCreated(topic string, from proto.Uid, seq int, head map[string]any) {
	d := MessageData{Topic: topic, Seq: seq, From: from.UserID(), Head: head}
	if w.Messages != nil {
		ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
		msgs, err := w.Messages.GetMessages(ctx, topic, proto.ZeroUid, store.MessageQuery{Since: seq, Before: seq + 1, Limit: 1})
		cancel()
		if err == nil && len(msgs) == 1 {
			d.Content = msgs[0].Content
		}
	}
	w.enqueue(Event{Type: TypeMessageCreated, Conversation: topic, Data: d})
}

func (w *DeskWatcher) enqueue(e Event) {
	ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
	defer cancel()
	if _, err := w.Outbox.Enqueue(ctx, e); err != nil && w.Log != nil {
		w.Log.Warn("webhook event not stored", "type", e.Type, "topic", e.Conversation, "err", err)
	}
}

func uidOrEmpty(u proto.Uid) string {
	if u == proto.ZeroUid {
		return ""
	}
	return u.UserID()
}

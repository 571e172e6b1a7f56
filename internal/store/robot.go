package store

import (
	"context"
	"time"
)

// FAQEntry is one question of a team's FAQ, which the robot answers from.
type FAQEntry struct {
	Question string
	Answer   string
	Keywords []string // optional; nil when there are none
}

// FAQs keeps each team's FAQ. A role interface of its own, like Staff.
type FAQs interface {
	// ReplaceFAQ replaces the team's FAQ with entries, in one transaction;
	// no entries removes it.
	ReplaceFAQ(ctx context.Context, team string, entries []FAQEntry) error
	// FAQ returns the team's entries in the order they were given.
	FAQ(ctx context.Context, team string) ([]FAQEntry, error)
	// FAQTeams lists the teams that have an FAQ, by name.
	FAQTeams(ctx context.Context) ([]string, error)
}

// WebhookEvent is one event waiting in the durable outbox for one
// endpoint.
type WebhookEvent struct {
	Seq      int64  // outbox order, assigned by EnqueueWebhooks
	ID       string // the event id receivers dedupe by
	Endpoint string // the endpoint's URL
	// Key orders delivery: events of one key go out one at a time, in
	// Seq order (a conversation's topic).
	Key       string
	Body      []byte // the JSON delivered
	CreatedAt time.Time
	Attempts  int
	NextAt    time.Time // not before this
	LastError string
}

// Webhooks is the durable outbox of webhook events. A role interface of
// its own, like Staff.
type Webhooks interface {
	// EnqueueWebhooks stores events in one transaction, assigning each
	// its Seq, and in the same transaction raises each mark's topic's
	// cursor to the mark's seq (never lowers it).
	EnqueueWebhooks(ctx context.Context, events []*WebhookEvent, marks []WebhookMark) error
	// WebhookMarks lists every topic's cursor.
	WebhookMarks(ctx context.Context) ([]WebhookMark, error)
	// PendingWebhooks lists up to limit events by Seq.
	PendingWebhooks(ctx context.Context, limit int) ([]WebhookEvent, error)
	// WebhookDelivered removes a delivered event.
	WebhookDelivered(ctx context.Context, seq int64) error
	// WebhookFailed records a failed attempt and when to try next.
	WebhookFailed(ctx context.Context, seq int64, attempts int, next time.Time, lastErr string) error
}

// WebhookMark is how far a topic's messages were turned into webhook
// events: every message up to Seq was.
type WebhookMark struct {
	Topic string
	Seq   int
}

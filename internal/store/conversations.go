package store

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Conversation states.
const (
	// ConvBot: the robot answers; no agent, no queue place yet.
	ConvBot      = "bot"
	ConvQueued   = "queued"
	ConvAssigned = "assigned"
	ConvClosed   = "closed"
)

// Conversation is the latest conversation of a customer's service topic:
// a span of the topic's history with a routing state. Each topic keeps
// only its latest; the events of all of them are messages of the topic.
type Conversation struct {
	Topic    string // grp…, the customer's service topic
	Customer proto.Uid
	Team     string
	State    string    // ConvBot, ConvQueued, ConvAssigned or ConvClosed
	Agent    proto.Uid // the assigned agent; zero unless assigned
	// LastAgent is the agent who last held it, kept after a close so a
	// returning customer goes to them first.
	LastAgent proto.Uid
	// Ticket orders the queue: conversations are served in ticket order.
	Ticket     int64
	QueuedAt   time.Time
	AssignedAt time.Time // the first assignment
	ClosedAt   time.Time
	Transfers  int
	// FirstResponseAt is when the assigned agent first wrote.
	FirstResponseAt time.Time
	// Messages written by the customer and by the assigned agents.
	CustomerMessages int
	AgentMessages    int
	// Labels are the staff's tags on the conversation, sorted; customers
	// never see them.
	Labels []string
}

// Conversations keeps each service topic's latest conversation, so the
// queue and the agents' loads can be rebuilt after a restart. It is a role
// interface of its own, like Staff.
type Conversations interface {
	// SaveConversation creates or replaces the topic's conversation. In a
	// cluster the router's saves carry its lease (WithFence): a router
	// whose lease moved on gets ErrFenced and nothing is saved.
	SaveConversation(ctx context.Context, c *Conversation) error
	// GetConversation returns the topic's conversation or ErrNotFound.
	GetConversation(ctx context.Context, topic string) (*Conversation, error)
	// OpenConversations lists the conversations not closed, by ticket.
	OpenConversations(ctx context.Context) ([]Conversation, error)
	// SaveConversation also keeps every conversation it saves closed, for
	// reports: ClosedConversations lists those closed at or after since,
	// oldest first, at most limit.
	ClosedConversations(ctx context.Context, since time.Time, limit int) ([]Conversation, error)
}

package store

import (
	"context"
	"time"
)

// Reply is a quick reply: text an agent inserts by its key. Owner is
// "team:NAME" for a team's replies or "usr…" for one agent's own.
type Reply struct {
	Owner     string
	Key       string
	Text      string
	UpdatedAt time.Time
}

// Replies keeps quick replies. A role interface of its own, like Staff.
type Replies interface {
	// SaveReply creates or replaces the reply (Owner, Key).
	SaveReply(ctx context.Context, r *Reply) error
	// DeleteReply removes it; ErrNotFound if there is none.
	DeleteReply(ctx context.Context, owner, key string) error
	// ListReplies lists the replies of the owners, by owner, then key.
	ListReplies(ctx context.Context, owners []string) ([]Reply, error)
}

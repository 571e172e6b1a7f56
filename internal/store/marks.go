package store

import (
	"context"
	"errors"

	"github.com/parley-im/parley/internal/proto"
)

// ErrLimit is returned when a bounded set (a user's marks on a topic) is full.
var ErrLimit = errors.New("store: limit reached")

// Mark is one of a user's own marks ("star", "flag") on a message.
type Mark struct {
	Seq  int
	Mark string
}

// Marks keeps per-user marks on messages: visible to their user only, kept
// apart from the topic's messages. A role interface of its own, like Replies.
type Marks interface {
	// SetMark sets (on) or clears the mark of user on (topic, seq). Setting
	// a mark that is set, or clearing one that is not, changes nothing and
	// reports changed false. Setting a new mark when the user already holds
	// max marks on the topic fails with ErrLimit; ErrNotFound if the topic
	// does not exist. The topic's deletion removes its marks.
	SetMark(ctx context.Context, user proto.Uid, topic string, m Mark, on bool, max int) (changed bool, err error)
	// ListMarks lists the user's marks on the topic, by seq, then mark.
	ListMarks(ctx context.Context, user proto.Uid, topic string) ([]Mark, error)
}

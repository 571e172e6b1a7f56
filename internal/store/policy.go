package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// PolicyWord is a word rule of the message policy: what to do (block, mask,
// review) with messages of whom (customer, staff, all) that contain Word.
type PolicyWord struct {
	Word      string
	Action    string
	Scope     string
	UpdatedAt time.Time
}

// States of a HeldMessage.
const (
	HeldBlocked  = "blocked"  // refused; kept for audit
	HeldPending  = "pending"  // waiting for review
	HeldApproved = "approved" // released into the topic with SeqID
	HeldRejected = "rejected" // dropped by a reviewer
)

// HeldMessage is a message the policy kept out of its topic: blocked (for
// audit) or held for review. (Topic, MsgID) is unique when MsgID is set.
type HeldMessage struct {
	ID      string
	Topic   string
	MsgID   string
	From    proto.Uid
	State   string
	Reason  string // the words or the review service's answer that decided
	Head    map[string]any
	Content json.RawMessage
	// CreatedAt is when it was sent; DecidedAt when a reviewer approved or
	// rejected it, by DecidedBy (zero for the admin API).
	CreatedAt time.Time
	DecidedAt time.Time
	DecidedBy proto.Uid
	SeqID     int // the seq it got when approved
}

// Policies keeps the message policy's word rules and held messages. A role
// interface of its own, like Staff; storetest runs its tests when the
// store implements it.
type Policies interface {
	// SavePolicyWords creates or replaces the rules of the given words, in
	// one transaction.
	SavePolicyWords(ctx context.Context, words []PolicyWord) error
	// DeletePolicyWords removes the rules of the words and returns how
	// many there were.
	DeletePolicyWords(ctx context.Context, words []string) (int, error)
	// PolicyWords lists every rule, by word.
	PolicyWords(ctx context.Context) ([]PolicyWord, error)
	// SaveHeld stores h. When h.MsgID is set and (h.Topic, h.MsgID) is
	// held already, nothing is written and the stored record is returned
	// with ErrDuplicate, so a retried message gets its first verdict.
	SaveHeld(ctx context.Context, h *HeldMessage) (*HeldMessage, error)
	// GetHeld returns the held message with the id, or ErrNotFound.
	GetHeld(ctx context.Context, id string) (*HeldMessage, error)
	// ListHeld lists held messages in state (all states if empty), oldest
	// first, at most limit (no limit if 0).
	ListHeld(ctx context.Context, state string, limit int) ([]HeldMessage, error)
	// DecideHeld moves a pending message to state (approved or rejected),
	// recording when, by whom and, when approved, its seq. ErrNotFound if
	// there is no such message or it is not pending.
	DecideHeld(ctx context.Context, id, state string, seq int, by proto.Uid, at time.Time) error
}

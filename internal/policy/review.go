package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Errors of a review.
var (
	ErrNotHeld = errors.New("no such held message")
	ErrDecided = errors.New("the message was decided already")
)

// Releaser is the gateway as a review needs it.
type Releaser interface {
	// Release appends a held message to its topic, from its sender and
	// under its msgid, through the topic's ordinary write path, and returns
	// its seq. Releasing the same msgid twice returns the first seq.
	Release(ctx context.Context, h *store.HeldMessage) (int, error)
	// TellSender sends the sender's sessions on the topic
	// {info what:"review" payload:{msgid, seq, verdict}}.
	TellSender(h *store.HeldMessage, verdict string, seq int)
}

// Reviews is the review queue: staff approve or reject held messages.
type Reviews struct {
	engine *Engine
	out    Releaser
	// OnVerdict, if set, hears of each verdict (the merchant's webhooks).
	OnVerdict VerdictFunc
	now       func() time.Time
}

// NewReviews returns the review queue of e, releasing through out.
func NewReviews(e *Engine, out Releaser) *Reviews {
	return &Reviews{engine: e, out: out, now: func() time.Time { return time.Now().UTC() }}
}

// List lists held messages in state ("" for all), oldest first.
func (r *Reviews) List(ctx context.Context, state string, limit int) ([]store.HeldMessage, error) {
	return r.engine.store.ListHeld(ctx, state, limit)
}

// Decide approves (the message gets its seq and is delivered) or rejects
// (nothing is delivered) a pending message, then tells its sender.
// Approval appends before it records the verdict: if the record fails,
// approving again finds the message stored under its msgid and gets the
// same seq, so a message is never delivered twice nor lost.
func (r *Reviews) Decide(ctx context.Context, id string, approve bool, by proto.Uid) (*store.HeldMessage, error) {
	h, err := r.engine.store.GetHeld(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %q", ErrNotHeld, id)
	}
	if err != nil {
		return nil, err
	}
	if h.State != store.HeldPending {
		return nil, fmt.Errorf("%w: %s is %s", ErrDecided, id, h.State)
	}
	state, seq := store.HeldRejected, 0
	if approve {
		state = store.HeldApproved
		if seq, err = r.out.Release(ctx, h); err != nil {
			return nil, fmt.Errorf("release %s into %s: %w", id, h.Topic, err)
		}
	}
	at := r.now()
	if err := r.engine.store.DecideHeld(ctx, id, state, seq, by, at); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s was decided meanwhile", ErrDecided, id)
		}
		return nil, err
	}
	h.State, h.SeqID, h.DecidedBy, h.DecidedAt = state, seq, by, at
	r.engine.remember(h.Topic, h.MsgID, state, seq)
	r.out.TellSender(h, state, seq)
	if r.OnVerdict != nil {
		r.OnVerdict(h.Topic, h.MsgID, seq, state)
	}
	return h, nil
}

// Words of the admin API and command line.

// AddRules validates and stores rules, then applies them.
func (e *Engine) AddRules(ctx context.Context, rules []Rule) error {
	words := make([]store.PolicyWord, len(rules))
	at := time.Now().UTC()
	for i := range rules {
		if err := rules[i].Check(); err != nil {
			return err
		}
		words[i] = store.PolicyWord{Word: rules[i].Word, Action: rules[i].Action, Scope: rules[i].Scope, UpdatedAt: at}
	}
	if err := e.store.SavePolicyWords(ctx, words); err != nil {
		return err
	}
	return e.Reload(ctx)
}

// RemoveWords deletes the rules of words, applies the change and returns
// how many rules there were.
func (e *Engine) RemoveWords(ctx context.Context, words []string) (int, error) {
	n, err := e.store.DeletePolicyWords(ctx, words)
	if err != nil {
		return 0, err
	}
	return n, e.Reload(ctx)
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/webhook"
)

// setupPolicy loads the message policy (word rules, held messages' states)
// and puts it before the store on the publish path; it runs after
// setupDesk, whose staff directory tells staff from customers.
func (s *Server) setupPolicy(st store.Store) error {
	ps, ok := st.(store.Policies)
	if !ok {
		return fmt.Errorf("message policy: the %T store keeps no word rules", st)
	}
	var hook *policy.Hook
	if s.cfg.ReviewHookURL != "" {
		hook = policy.NewHook(policy.HookConfig{URL: s.cfg.ReviewHookURL, Secret: s.cfg.ReviewHookSecret,
			Timeout: time.Duration(s.cfg.ReviewHookTimeout), Fail: s.cfg.ReviewHookFail,
			BreakerFailures: s.cfg.ReviewHookBreakerFailures,
			BreakerCooldown: time.Duration(s.cfg.ReviewHookBreakerCooldown)})
	}
	e, err := policy.NewEngine(context.Background(), ps, hook)
	if err != nil {
		return err
	}
	s.policy = e
	s.reviews = policy.NewReviews(e, s.hub)
	s.reviews.OnVerdict = s.tellReviewVerdict
	s.hub.SetPolicy(e)
	s.reviews.RegisterActions(s.deps.Actions, s.desk.IsStaff)
	// Gateways sharing a database see each other's rule changes within
	// rulesRefresh; the one that took a change applies it at once.
	go e.KeepFresh(s.hub.Context(), rulesRefresh, func(err error) {
		s.log.Error("message policy: reloading the rules failed", "err", err)
	})
	return nil
}

// rulesRefresh is how often the word rules are compared with the store.
const rulesRefresh = 30 * time.Second

// reviewVerdict is the data of a review.verdict webhook event.
type reviewVerdict struct {
	Topic   string `json:"topic"`
	MsgID   string `json:"msgid"`
	Seq     int    `json:"seq,omitempty"` // the seq an approved message got
	Verdict string `json:"verdict"`       // "approved" or "rejected"
}

// tellReviewVerdict hands a reviewer's verdict to the merchant's webhooks
// (a policy.VerdictFunc). The verdict itself is already durable; an event
// that cannot be written is logged, not retried.
func (s *Server) tellReviewVerdict(topic, msgid string, seq int, verdict string) {
	if s.outbox == nil || !s.outbox.Enabled() {
		return
	}
	ev := webhook.Event{Type: webhook.TypeReviewVerdict, Conversation: topic,
		Data: reviewVerdict{Topic: topic, MsgID: msgid, Seq: seq, Verdict: verdict}}
	if _, err := s.outbox.Enqueue(context.Background(), ev); err != nil {
		s.log.Error("review verdict webhook", "topic", topic, "msgid", msgid, "err", err)
	}
}

// policyRoutes adds the admin API of word rules and the review queue.
func (s *Server) policyRoutes(mux *http.ServeMux) {
	admin.PolicyRoutes(mux, s.policy, s.reviews, s.cfg.AdminToken, s.log)
}

// Policy is the message policy, for tests.
func (s *Server) Policy() *policy.Engine { return s.policy }

// Reviews is the review queue, for tests.
func (s *Server) Reviews() *policy.Reviews { return s.reviews }

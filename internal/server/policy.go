package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/store"
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

// SetReviewVerdicts installs fn to hear of every reviewer's verdict on a
// held message (the merchant's webhooks); call it before serving.
func (s *Server) SetReviewVerdicts(fn policy.VerdictFunc) { s.reviews.OnVerdict = fn }

// policyRoutes adds the admin API of word rules and the review queue.
func (s *Server) policyRoutes(mux *http.ServeMux) {
	admin.PolicyRoutes(mux, s.policy, s.reviews, s.cfg.AdminToken, s.log)
}

// Policy is the message policy, for tests.
func (s *Server) Policy() *policy.Engine { return s.policy }

// Reviews is the review queue, for tests.
func (s *Server) Reviews() *policy.Reviews { return s.reviews }

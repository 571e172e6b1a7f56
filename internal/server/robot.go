package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/robot"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/webhook"
)

// robotStore is what the robot and the webhooks keep in the store.
type robotStore interface {
	store.FAQs
	store.Webhooks
}

// robotAuth is the robot account's authentication record: a scheme no
// login accepts, so nobody can sign in as the robot.
const robotAuth = "robot:parley"

// robotUser returns the robot's account, creating it on first start. Its
// public name is "Robot" and its trusted role "robot", so clients can tell
// its messages from people's.
func robotUser(ctx context.Context, st store.Store) (proto.Uid, error) {
	if rec, err := st.GetAuth(ctx, robotAuth); err == nil {
		return rec.UserID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var b [8]byte
	rand.Read(b[:])
	u := &store.User{ID: proto.Uid(binary.LittleEndian.Uint64(b[:])>>1 | 1), CreatedAt: now, UpdatedAt: now,
		Access:  store.DefaultAccess{Auth: proto.ModeNone, Anon: proto.ModeNone},
		Public:  json.RawMessage(`{"fn":"Robot"}`),
		Trusted: json.RawMessage(`{"role":"robot"}`)}
	rec := &store.AuthRecord{Unique: robotAuth, UserID: u.ID, Scheme: "robot", AuthLevel: store.AuthNone}
	if err := st.CreateUser(ctx, u, rec); err != nil {
		return 0, fmt.Errorf("creating the robot's account: %w", err)
	}
	return u.ID, nil
}

// setupRobot starts the robot and the webhook outbox, before the router
// that feeds them.
func (s *Server) setupRobot(st store.Store) error {
	rs, ok := st.(robotStore)
	if !ok {
		return fmt.Errorf("robot: the %T store keeps no FAQs or webhook outbox", st)
	}
	ctx := context.Background()
	uid, err := robotUser(ctx, st)
	if err != nil {
		return err
	}
	cfg := robot.Config{Store: robotReader{rs, st}, Poster: s.hub, User: uid, Threshold: s.cfg.RobotThreshold,
		Misses: s.cfg.RobotMisses, Log: s.log}
	if s.cfg.RobotAIURL != "" {
		cfg.AI = &robot.AI{URL: s.cfg.RobotAIURL, Secret: []byte(s.cfg.RobotAISecret),
			Timeout: time.Duration(s.cfg.RobotAITimeout)}
	}
	if s.robot, err = robot.New(ctx, cfg); err != nil {
		return err
	}
	endpoints, err := s.cfg.webhookEndpoints()
	if err != nil {
		return err
	}
	s.outbox = webhook.New(webhook.Config{Store: rs, Endpoints: endpoints, Timeout: time.Duration(s.cfg.WebhookTimeout),
		MaxBackoff: time.Duration(s.cfg.WebhookMaxBackoff), Log: s.log})
	s.outbox.Start()
	return nil
}

// robotReader joins the FAQs and the messages the robot reads.
type robotReader struct {
	store.FAQs
	store.Messages
}

// stopRobot stops the robot's workers and the outbox's deliveries (what
// is not delivered stays in the outbox).
func (s *Server) stopRobot() {
	if s.robot != nil {
		s.robot.Stop()
	}
	if s.watcher != nil {
		s.watcher.Stop()
	}
	if s.outbox != nil {
		s.outbox.Stop()
	}
}

// robotRoutes adds the FAQ admin API.
func (s *Server) robotRoutes(mux *http.ServeMux) {
	admin.FAQRoutes(mux, s.robot, s.desk, s.cfg.AdminToken, s.log)
}

// Outbox is the webhook outbox: Enqueue tells the merchant of an event
// (the review verdicts of the message policy).
func (s *Server) Outbox() *webhook.Outbox { return s.outbox }

// Robot is the customer-service robot, for tests.
func (s *Server) Robot() *robot.Robot { return s.robot }

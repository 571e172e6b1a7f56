package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/webhook"
)

// deskStore is what customer service keeps in the store, beside the
// messaging roles every store has.
type deskStore interface {
	store.Staff
	store.Conversations
	store.Replies
}

// setupDesk loads the staff directory and lets it refuse logins of disabled
// staff. It runs after the session dependencies exist.
func (s *Server) setupDesk(st store.Store) error {
	staff, ok := st.(deskStore)
	if !ok {
		return fmt.Errorf("customer service: the %T store keeps no staff, conversations or replies", st)
	}
	d, err := desk.New(context.Background(), desk.Deps{
		Users: s.store,
		Staff: staff,
		Hash: func(ctx context.Context, password string) ([]byte, error) {
			return s.deps.Passwords.Hash(ctx, password, s.cfg.PasswordCost)
		},
		CloseUser:   func(uid proto.Uid, d proto.Disconnect) { s.closeUser(uid, nil, d) },
		UserChanged: s.hub.ReloadUser,
	})
	if err != nil {
		return fmt.Errorf("staff directory: %w", err)
	}
	s.desk = d
	s.deps.Disabled = d.Disabled
	s.hub.SetStaffCheck(d.IsStaff)
	if err := s.setupRobot(st); err != nil {
		return err
	}
	var watcher desk.Watcher
	if s.outbox.Enabled() { // no endpoints: nothing to read or write per message
		s.watcher = webhook.NewDeskWatcher(s.outbox, st, s.log)
		watcher = s.watcher
	}
	rt, err := desk.StartRouter(context.Background(), desk.RouterConfig{Desk: d, Hub: s.hub,
		Conversations: staff, Replies: staff, Log: s.log, OfflineGrace: time.Duration(s.cfg.OfflineGrace),
		Bot: s.robot, Watcher: watcher})
	if err != nil {
		s.stopRobot()
		return fmt.Errorf("conversation router: %w", err)
	}
	s.robot.SetHandOff(rt.HandOff)
	s.router = rt
	rt.Register(s.deps.Actions)
	// A deleted account's open conversation ends with it: nobody is left
	// to answer, and its slot or queue place goes to the next customer.
	closeUser := s.deps.CloseUser
	s.deps.CloseUser = func(uid proto.Uid, keep *session.Session, d proto.Disconnect) {
		closeUser(uid, keep, d)
		if d == proto.DisconnectDeleted {
			rt.AccountDeleted(uid)
		}
	}
	return nil
}

// deskSessionEnded starts an agent's offline grace period when their
// last session ends.
func (s *Server) deskSessionEnded(sess *session.Session) {
	if uid := sess.UserID(); uid != proto.ZeroUid && s.router != nil {
		s.router.SessionEnded(uid)
	}
}

// stopDesk carries out the router's last decisions; the hub must still run.
func (s *Server) stopDesk() {
	if s.router != nil {
		s.router.Stop()
	}
	s.stopRobot()
}

// deskRoutes adds the admin API of teams and staff.
func (s *Server) deskRoutes(mux *http.ServeMux) {
	admin.StaffRoutes(mux, s.desk, s.cfg.AdminToken, s.log)
	s.robotRoutes(mux)
}

// Desk is the staff directory, for tests.
func (s *Server) Desk() *desk.Desk { return s.desk }

// deskCollectors are the routing metrics for /metrics.
func (s *Server) deskCollectors() []prometheus.Collector {
	cs := s.deps.Deliveries.Collectors()
	if s.router == nil {
		return cs
	}
	return append(cs, s.router.Collector())
}

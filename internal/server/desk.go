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
		Saved:       s.directorySaved,
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
	rcfg := desk.RouterConfig{Desk: d, Hub: s.hub,
		Conversations: staff, Replies: staff, Log: s.log, OfflineGrace: time.Duration(s.cfg.OfflineGrace),
		Bot: s.robot, Watcher: watcher}
	if s.node != nil {
		if err := s.startRouterLeader(rcfg); err != nil {
			s.stopRobot()
			return fmt.Errorf("conversation router: %w", err)
		}
		s.endConversationsOfDeleted(s.leader.accountDeleted)
		return nil
	}
	rt, err := desk.StartRouter(context.Background(), rcfg)
	if err != nil {
		s.stopRobot()
		return fmt.Errorf("conversation router: %w", err)
	}
	s.robot.SetHandOff(rt.HandOff)
	s.router = rt
	rt.Register(s.deps.Actions)
	s.endConversationsOfDeleted(rt.AccountDeleted)
	return nil
}

// endConversationsOfDeleted ends a deleted account's open conversation
// with it: nobody is left to answer, and its slot or queue place goes to
// the next customer.
func (s *Server) endConversationsOfDeleted(end func(proto.Uid)) {
	closeUser := s.deps.CloseUser
	s.deps.CloseUser = func(uid proto.Uid, keep *session.Session, d proto.Disconnect) {
		closeUser(uid, keep, d)
		if d == proto.DisconnectDeleted {
			end(uid)
		}
	}
}

// deskSessionEnded starts an agent's offline grace period when their
// last session ends.
func (s *Server) deskSessionEnded(sess *session.Session) {
	uid := sess.UserID()
	switch {
	case uid == proto.ZeroUid:
	case s.router != nil:
		s.router.SessionEnded(uid)
	case s.leader != nil:
		s.leader.sessionEnded(uid)
	}
}

// stopDesk carries out the router's last decisions; the hub must still run.
func (s *Server) stopDesk() {
	if s.router != nil {
		s.router.Stop()
	}
	if s.leader != nil {
		s.leader.close()
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

// deskCollectors are the delivery and routing metrics for /metrics.
func (s *Server) deskCollectors() []prometheus.Collector {
	cs := s.deps.Deliveries.Collectors()
	switch {
	case s.router != nil:
		return append(cs, s.router.Collector())
	case s.leader != nil:
		return append(cs, (*leaderCollector)(s.leader))
	}
	return cs
}

package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// setupDesk loads the staff directory and lets it refuse logins of disabled
// staff. It runs after the session dependencies exist.
func (s *Server) setupDesk(staff store.Staff) error {
	d, err := desk.New(context.Background(), desk.Deps{
		Users: s.store,
		Staff: staff,
		Hash: func(ctx context.Context, password string) ([]byte, error) {
			return s.deps.Passwords.Hash(ctx, password, s.cfg.PasswordCost)
		},
		CloseUser:   func(uid proto.Uid, d proto.Disconnect) { s.closeUser(uid, nil, d) },
		UserChanged: s.hub.UserChanged,
	})
	if err != nil {
		return fmt.Errorf("staff directory: %w", err)
	}
	s.desk = d
	s.deps.Disabled = d.Disabled
	return nil
}

// deskRoutes adds the admin API of teams and staff.
func (s *Server) deskRoutes(mux *http.ServeMux) {
	admin.StaffRoutes(mux, s.desk, s.cfg.AdminToken, s.log)
}

// Desk is the staff directory, for tests.
func (s *Server) Desk() *desk.Desk { return s.desk }

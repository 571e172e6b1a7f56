package session

import (
	"context"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// errRevoked is a login with a credential issued before the user's current
// token generation: a token from before a password change, or a password
// that changed while it was being checked.
var errRevoked = errors.New("credential revoked")

// deleteTimeout bounds how long a {del user} waits for the user's topics
// to let them go before it answers anyway.
const deleteTimeout = 30 * time.Second

// claim binds the session to uid, then reads the user and asks current
// whether the generation the credential was checked against is still the
// user's. Binding first closes a race with a revocation: either the
// revocation has raised the generation before the read here (and the login
// fails), or it happens after the binding, and the revoker, which closes
// every session bound to the user, closes this one too. It returns the
// user's generation; a deleted user reads as not found.
func (s *Session) claim(uid proto.Uid, current func(gen int) bool) (int, error) {
	s.uid.Store(uint64(uid))
	u, err := s.deps.Users.GetUser(s.deps.Hub.Context(), uid)
	if err == nil && !current(u.TokenGen) {
		err = errRevoked
	}
	if err != nil {
		s.uid.Store(0)
		return 0, err
	}
	return u.TokenGen, nil
}

// closeOthers ends the user's other live sessions with d.
func (s *Session) closeOthers(d proto.Disconnect) {
	if s.deps.CloseUser != nil {
		s.deps.CloseUser(s.UserID(), s, d)
	}
}

// delUser deletes the caller's own account ({del what="user"}; "user" may
// name the caller, anyone else is 403; "hard" changes nothing). The
// account goes first, in one store transaction: nobody can log in as the
// user or use their tokens from then on, and the login is free. Then the
// user's other sessions are closed, the user leaves every topic (the hub
// deletes the groups they own), and this session gets ctrl 200 and is
// closed.
func (s *Session) delUser(d *proto.MsgClientDel) {
	now := proto.Now()
	uid := s.UserID()
	if uid == proto.ZeroUid {
		s.reply(proto.AuthRequired(d.ID, d.Topic, now))
		return
	}
	if d.User != "" && d.User != proto.TopicMe && proto.ParseUserID(d.User) != uid {
		s.reply(proto.Forbidden(d.ID, d.Topic, now))
		return
	}
	err := s.deps.Users.DeleteUser(s.deps.Hub.Context(), uid, now.Time)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.deps.Log.Error("delete user", "user", uid.UserID(), "err", err)
		s.reply(proto.Internal(d.ID, d.Topic, now))
		return
	}
	s.deps.Log.Info("account deleted", "user", uid.UserID(), "anonymous", s.AuthLevel() == store.AuthAnon)
	s.closeOthers(proto.DisconnectDeleted)
	ctx, cancel := context.WithTimeout(s.deps.Hub.Context(), deleteTimeout)
	defer cancel()
	if err := s.deps.Hub.UserDeleted(ctx, uid); err != nil {
		// The account is gone either way; what is left are memberships.
		s.deps.Log.Warn("deleted user: leaving topics", "user", uid.UserID(), "err", err)
	}
	s.reply(proto.OK(d.ID, d.Topic, proto.Now()))
	s.Revoke(proto.DisconnectDeleted)
}

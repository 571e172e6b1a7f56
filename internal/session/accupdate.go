package session

import (
	"errors"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// updateAccount answers an {acc} naming an existing user, which must be the
// caller ("me", the caller's id, or nothing). The basic login and password
// change here; desc and tags change on the caller's "me" topic, which then
// answers. Without a login: 401; someone else's account: 403.
func (s *Session) updateAccount(acc *proto.MsgClientAcc) {
	now := proto.Now()
	uid := s.UserID()
	if uid == proto.ZeroUid {
		s.reply(proto.AuthRequired(acc.ID, "", now))
		return
	}
	if acc.User != "" && acc.User != proto.TopicMe && proto.ParseUserID(acc.User) != uid {
		s.reply(proto.Forbidden(acc.ID, "", now))
		return
	}
	if acc.Scheme != "" || len(acc.Secret) > 0 {
		if fail := s.changeLogin(acc); fail != nil {
			s.reply(fail)
			return
		}
	}
	if acc.Desc == nil && acc.Tags == nil {
		s.reply(proto.OK(acc.ID, "", now))
		return
	}
	req := &hub.Request{Sess: s, Msg: &proto.ClientMsg{Acc: acc}, Topic: proto.MeName(uid)}
	if !s.deps.Hub.Dispatch(req) {
		s.reply(proto.Unavailable(acc.ID, "", now))
	}
}

// changeLogin changes the caller's basic login and/or password. The secret
// is "login:password": an empty login keeps the current one, an empty
// password the current password; a login taken by someone else is 409.
func (s *Session) changeLogin(acc *proto.MsgClientAcc) *proto.ServerMsg {
	now := proto.Now()
	if acc.Scheme != schemeBasic {
		return proto.Ctrl(acc.ID, "", proto.CodeMalformed, "unknown authentication scheme", now)
	}
	login, password, err := auth.ParseBasic(acc.Secret)
	if err != nil || (login == "" && password == "") {
		return proto.Malformed(acc.ID, "", now)
	}
	ctx := s.deps.Hub.Context()
	rec, err := s.deps.Users.UserAuth(ctx, s.UserID(), schemeBasic)
	if errors.Is(err, store.ErrNotFound) {
		// Adding a login to an account made without one (anonymous) is
		// not supported yet.
		return proto.NotImplemented(acc.ID, "", now)
	}
	if err != nil {
		s.deps.Log.Error("read auth", "err", err)
		return proto.Internal(acc.ID, "", now)
	}
	next := *rec
	if login != "" && auth.BasicUnique(login) != rec.Unique {
		if auth.CheckLogin(login) != nil {
			return policyViolation(acc.ID, now)
		}
		// Refused before the slow hash, as at signup; UpdateAuth still
		// catches a race.
		if _, err := s.deps.Users.GetAuth(ctx, auth.BasicUnique(login)); err == nil {
			return duplicateCredential(acc.ID, now)
		}
		next.Unique = auth.BasicUnique(login)
	}
	if password != "" {
		if auth.CheckPasswordPolicy(password) != nil {
			return policyViolation(acc.ID, now)
		}
		if next.Secret, err = auth.HashPassword(password, s.cfg.PasswordCost); err != nil {
			return proto.Internal(acc.ID, "", now)
		}
	}
	if err := s.deps.Users.UpdateAuth(ctx, rec.Unique, &next); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return duplicateCredential(acc.ID, now)
		}
		s.deps.Log.Error("update auth", "err", err)
		return proto.Internal(acc.ID, "", now)
	}
	s.deps.Log.Info("login changed", "user", s.UserID().UserID(),
		"renamed", next.Unique != rec.Unique, "password", password != "")
	return nil
}

func policyViolation(id string, now proto.Time) *proto.ServerMsg {
	return proto.CtrlParams(id, "", proto.CodePolicy, "policy violation", map[string]any{"what": "auth"}, now)
}

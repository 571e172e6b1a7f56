package session

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Auth schemes.
const (
	schemeBasic     = "basic"
	schemeToken     = "token"
	schemeAnonymous = "anonymous"
)

// account creates a user ("new…") with the basic or anonymous scheme, or
// updates the caller's own account (updateAccount).
func (s *Session) account(acc *proto.MsgClientAcc) {
	now := proto.Now()
	if !strings.HasPrefix(acc.User, "new") {
		s.updateAccount(acc)
		return
	}
	if acc.Login && s.UserID() != proto.ZeroUid {
		s.reply(proto.Ctrl(acc.ID, "", proto.CodeConflict, "already authenticated", now))
		return
	}
	if acc.Scheme == schemeJWT || acc.Scheme == schemeHMAC {
		s.accCustomer(acc)
		return
	}
	if wait := s.deps.Signups.Wait(s.remote); wait > 0 {
		s.reply(throttled(acc.ID, "acc", "too many new accounts", wait, now))
		return
	}
	user, rec, fail := s.newUser(acc)
	if fail != nil {
		s.reply(fail)
		return
	}
	if err := s.deps.Users.CreateUser(s.deps.Hub.Context(), user, rec); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			s.reply(duplicateCredential(acc.ID, now))
		} else {
			s.deps.Log.Error("create user", "err", err)
			s.reply(proto.Internal(acc.ID, "", now))
		}
		return
	}
	s.deps.Signups.Fail(s.remote)
	level := store.AuthAuth
	if acc.Scheme == schemeAnonymous {
		level = store.AuthAnon
	}
	params := map[string]any{"user": user.ID.UserID(), "authlvl": auth.LevelName(level),
		"desc": &proto.MsgTopicDesc{CreatedAt: proto.TimePtr(user.CreatedAt), UpdatedAt: proto.TimePtr(user.UpdatedAt),
			DefaultAcs: &proto.MsgDefaultAcsMode{Auth: user.Access.Auth.String(), Anon: user.Access.Anon.String()},
			Public:     user.Public}}
	if !acc.Login {
		s.reply(proto.CtrlParams(acc.ID, "", proto.CodeCreated, "created", params, now))
		return
	}
	s.loggedIn(user.ID, level, 0, params)
	s.reply(proto.CtrlParams(acc.ID, "", proto.CodeOK, "ok", params, now))
}

// newUser builds the user and auth record an acc request asks for.
func (s *Session) newUser(acc *proto.MsgClientAcc) (*store.User, *store.AuthRecord, *proto.ServerMsg) {
	now := proto.Now()
	t := now.Time
	user := &store.User{ID: newUid(), CreatedAt: t, UpdatedAt: t, Tags: proto.NormalizeTags(acc.Tags),
		Access: store.DefaultAccess{Auth: proto.ModeCAuth, Anon: proto.ModeNone}}
	if acc.Desc != nil {
		user.Public = acc.Desc.Public
		if d := acc.Desc.DefaultAcs; d != nil {
			// Nobody owns another user's one-to-one topic: O is never a
			// default, here as when the defaults are changed later.
			if m, err := proto.ParseMode(d.Auth); err == nil && d.Auth != "" {
				user.Access.Auth = m &^ proto.ModeOwner
			}
			if m, err := proto.ParseMode(d.Anon); err == nil && d.Anon != "" {
				user.Access.Anon = m &^ proto.ModeOwner
			}
		}
	}
	switch acc.Scheme {
	case schemeAnonymous:
		if !acc.Login {
			return nil, nil, proto.CtrlParams(acc.ID, "", proto.CodeMalformed, "anonymous accounts must log in", nil, now)
		}
		return user, nil, nil
	case schemeBasic:
		login, password, err := auth.ParseBasic(acc.Secret)
		if err != nil {
			return nil, nil, proto.Malformed(acc.ID, "", now)
		}
		if err := auth.CheckPolicy(login, password); err != nil {
			return nil, nil, proto.CtrlParams(acc.ID, "", proto.CodePolicy, "policy violation", map[string]any{"what": "auth"}, now)
		}
		// A taken login is refused before the deliberately slow hash, so
		// retries cannot burn CPU; CreateUser still catches a race.
		if _, err := s.deps.Users.GetAuth(s.deps.Hub.Context(), auth.BasicUnique(login)); err == nil {
			return nil, nil, duplicateCredential(acc.ID, now)
		}
		hash, err := s.deps.Passwords.Hash(s.deps.Hub.Context(), password, s.cfg.PasswordCost)
		if err != nil {
			return nil, nil, proto.Internal(acc.ID, "", now)
		}
		return user, &store.AuthRecord{Unique: auth.BasicUnique(login), UserID: user.ID, Scheme: schemeBasic,
			AuthLevel: store.AuthAuth, Secret: hash}, nil
	}
	return nil, nil, proto.Ctrl(acc.ID, "", proto.CodeMalformed, "unknown authentication scheme", now)
}

func duplicateCredential(id string, now proto.Time) *proto.ServerMsg {
	return proto.CtrlParams(id, "", proto.CodeConflict, "duplicate credential", map[string]any{"what": "auth"}, now)
}

// newUid returns a random user id; the store rejects the rare collision.
func newUid() proto.Uid {
	var b [8]byte
	for {
		rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]) >> 1; v != 0 {
			return proto.Uid(v)
		}
	}
}

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
	var params map[string]any
	if acc.Scheme != "" || len(acc.Secret) > 0 {
		gen, revoked, fail := s.changeLogin(acc)
		if fail != nil {
			s.reply(fail)
			return
		}
		if revoked {
			params = map[string]any{}
			s.addToken(params, gen)
			s.closeOthers(proto.DisconnectRevoked)
		}
	}
	if acc.Desc == nil && acc.Tags == nil {
		s.reply(proto.CtrlParams(acc.ID, "", proto.CodeOK, "ok", params, now))
		return
	}
	req := &hub.Request{Sess: s, Msg: &proto.ClientMsg{Acc: acc}, Topic: proto.MeName(uid), Params: params}
	if !s.deps.Hub.Dispatch(req) {
		s.reply(proto.Unavailable(acc.ID, "", now))
	}
}

// changeLogin changes the caller's basic login and/or password. The secret
// is "login:password": an empty login keeps the current one, an empty
// password the current password; a login taken by someone else is 409. A
// new password revokes every token issued before: revoked is set, and gen
// is the user's new token generation.
func (s *Session) changeLogin(acc *proto.MsgClientAcc) (gen int, revoked bool, fail *proto.ServerMsg) {
	now := proto.Now()
	if acc.Scheme != schemeBasic {
		return 0, false, proto.Ctrl(acc.ID, "", proto.CodeMalformed, "unknown authentication scheme", now)
	}
	login, password, err := auth.ParseBasic(acc.Secret)
	if err != nil || (login == "" && password == "") {
		return 0, false, proto.Malformed(acc.ID, "", now)
	}
	ctx := s.deps.Hub.Context()
	rec, err := s.deps.Users.UserAuth(ctx, s.UserID(), schemeBasic)
	if errors.Is(err, store.ErrNotFound) {
		// Adding a login to an account made without one (anonymous) is
		// not supported yet.
		return 0, false, proto.NotImplemented(acc.ID, "", now)
	}
	if err != nil {
		s.deps.Log.Error("read auth", "err", err)
		return 0, false, proto.Internal(acc.ID, "", now)
	}
	next, fail := s.nextAuth(acc.ID, rec, login, password)
	if fail != nil {
		return 0, false, fail
	}
	if password != "" {
		gen, err = s.deps.Users.UpdateAuthRevoking(ctx, rec.Unique, next)
	} else {
		err = s.deps.Users.UpdateAuth(ctx, rec.Unique, next)
	}
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return 0, false, duplicateCredential(acc.ID, now)
		}
		s.deps.Log.Error("update auth", "err", err)
		return 0, false, proto.Internal(acc.ID, "", now)
	}
	s.deps.Log.Info("login changed", "user", s.UserID().UserID(),
		"renamed", next.Unique != rec.Unique, "password", password != "")
	return gen, password != "", nil
}

// nextAuth is rec with the new login and password applied, after the
// policy checks.
func (s *Session) nextAuth(id string, rec *store.AuthRecord, login, password string) (*store.AuthRecord, *proto.ServerMsg) {
	now := proto.Now()
	next := *rec
	if login != "" && auth.BasicUnique(login) != rec.Unique {
		if auth.CheckLogin(login) != nil {
			return nil, policyViolation(id, now)
		}
		// Refused before the slow hash, as at signup; UpdateAuth still
		// catches a race.
		if _, err := s.deps.Users.GetAuth(s.deps.Hub.Context(), auth.BasicUnique(login)); err == nil {
			return nil, duplicateCredential(id, now)
		}
		next.Unique = auth.BasicUnique(login)
	}
	if password != "" {
		if auth.CheckPasswordPolicy(password) != nil {
			return nil, policyViolation(id, now)
		}
		var err error
		if next.Secret, err = s.deps.Passwords.Hash(s.deps.Hub.Context(), password, s.cfg.PasswordCost); err != nil {
			return nil, proto.Internal(id, "", now)
		}
	}
	return &next, nil
}

func policyViolation(id string, now proto.Time) *proto.ServerMsg {
	return proto.CtrlParams(id, "", proto.CodePolicy, "policy violation", map[string]any{"what": "auth"}, now)
}

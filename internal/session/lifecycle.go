package session

import (
	"context"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// errRevoked is a login with a credential issued before the user's current
// token generation: a token from before a password change, or a password
// that changed while it was being checked.
var errRevoked = errors.New("credential revoked")

// errDisabled refuses a login to a disabled staff account (Deps.Disabled).
var errDisabled = errors.New("account disabled")

// deleteTimeout bounds how long a {del user} waits for the user's topics
// to let them go before it answers anyway.
const deleteTimeout = 30 * time.Second

// login authenticates the session with the basic or token scheme, or as
// a customer vouched for by the merchant (jwt, hmac: customer.go).
func (s *Session) login(l *proto.MsgClientLogin) {
	now := proto.Now()
	if s.UserID() != proto.ZeroUid {
		s.reply(proto.Ctrl(l.ID, "", proto.CodeConflict, "already authenticated", now))
		return
	}
	if l.Scheme == schemeJWT || l.Scheme == schemeHMAC {
		s.loginCustomer(l.ID, l.Scheme, l.Secret)
		return
	}
	account := loginAccount(l)
	if wait := s.loginWait(account); wait > 0 {
		s.reply(loginThrottled(l.ID, wait, now))
		return
	}
	var uid proto.Uid
	var level, gen int
	var err error
	switch l.Scheme {
	case schemeBasic:
		uid, level, gen, err = s.checkBasic(l.Secret)
	case schemeToken:
		uid, level, gen, err = s.checkToken(l.Secret)
	default:
		s.reply(proto.Ctrl(l.ID, "", proto.CodeAuthFailed, "unknown authentication scheme", now))
		return
	}
	if err != nil {
		s.loginFailed(account)
		s.deps.Log.Info("login failed", "scheme", l.Scheme, "remote", s.remote, "err", err)
		s.reply(proto.AuthFailed(l.ID, "", now))
		return
	}
	params := map[string]any{"user": uid.UserID(), "authlvl": auth.LevelName(level)}
	s.loggedIn(uid, level, gen, params)
	s.reply(proto.CtrlParams(l.ID, "", proto.CodeOK, "ok", params, now))
}

// checkBasic checks a login and password. The user's token generation is
// read before the password: a password change racing with this login
// raises it, and claim then refuses the login made with the old password.
func (s *Session) checkBasic(secret []byte) (proto.Uid, int, int, error) {
	login, password, err := auth.ParseBasic(secret)
	if err != nil {
		return 0, 0, 0, err
	}
	rec, u, err := s.checkPassword(auth.BasicUnique(login), password)
	if legacy := auth.LegacyLogin(secret); err != nil && legacy != "" {
		// An account made before logins were normalized is keyed by its
		// lowercased login ("straße", which now folds to "strasse"; or a
		// look-alike such as "ａｌｉｃｅ" made next to "alice").
		rec, u, err = s.checkPassword(auth.BasicUnique(legacy), password)
	}
	if err != nil {
		return 0, 0, 0, err
	}
	gen, err := s.claim(rec.UserID, func(current int) bool { return current == u.TokenGen })
	return rec.UserID, rec.AuthLevel, gen, err
}

// checkPassword finds the basic login unique and its user, and checks the
// password against it.
func (s *Session) checkPassword(unique, password string) (*store.AuthRecord, *store.User, error) {
	ctx := s.deps.Hub.Context()
	rec, err := s.deps.Users.GetAuth(ctx, unique)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.deps.Users.GetUser(ctx, rec.UserID)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := s.deps.Passwords.Check(ctx, rec.Secret, password); err != nil || !ok {
		return nil, nil, errors.New("wrong password")
	}
	return rec, u, nil
}

// checkToken checks a token's signature and expiry, then that it was
// issued in the user's current token generation (not revoked) and that
// the user still exists.
func (s *Session) checkToken(secret []byte) (proto.Uid, int, int, error) {
	c, err := s.deps.Tokens.Verify(secret)
	if err != nil {
		return 0, 0, 0, err
	}
	gen, err := s.claim(c.UID, func(current int) bool { return auth.GenSerial(current) == c.Gen })
	return c.UID, c.Level, gen, err
}

// loggedIn completes a login of uid: the session counts as online, and
// params get a fresh token of the user's generation gen.
func (s *Session) loggedIn(uid proto.Uid, level, gen int, params map[string]any) {
	s.dl.stop()
	s.uid.Store(uint64(uid))
	s.level.Store(int32(level))
	s.addToken(params, gen)
	s.deps.Hub.SessionStarted(uid)
}

// addToken puts a fresh token for the session's user into params.
func (s *Session) addToken(params map[string]any, gen int) {
	token, expires := s.deps.Tokens.Issue(s.UserID(), s.AuthLevel(), gen)
	params["token"] = token
	params["expires"] = proto.TimeOf(expires)
}

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
	if err == nil && s.deps.Disabled != nil && s.deps.Disabled(uid) {
		err = errDisabled
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

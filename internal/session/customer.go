package session

import (
	"bytes"
	"errors"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Schemes of customers vouched for by the merchant's backend: a JWT it
// signed, or Chatwoot's identifier with its HMAC.
const (
	schemeJWT  = "jwt"
	schemeHMAC = "hmac"
)

// errSchemeOff is a vouched scheme the server has no key for.
var errSchemeOff = errors.New("scheme not configured")

// vouched checks a jwt or hmac secret and returns the customer it names.
func (s *Session) vouched(scheme string, secret []byte) (*auth.Customer, error) {
	switch scheme {
	case schemeJWT:
		if s.deps.JWT == nil {
			return nil, errSchemeOff
		}
		return s.deps.JWT.Verify(string(secret))
	case schemeHMAC:
		if s.deps.Identifiers == nil {
			return nil, errSchemeOff
		}
		id, err := s.deps.Identifiers.Verify(secret)
		if err != nil {
			return nil, err
		}
		return &auth.Customer{Subject: id}, nil
	}
	return nil, errSchemeOff
}

// loginCustomer logs in with a jwt or hmac secret (login, or acc with
// login:true): the customer's Parley user is found by the shop's customer
// id, or created on first login, and their profile is refreshed from what
// was signed. A refused secret is a failed login for the address throttle
// and is answered 401 with the reason.
func (s *Session) loginCustomer(id, scheme string, secret []byte) {
	now := proto.Now()
	if wait := s.loginWait(""); wait > 0 {
		s.reply(loginThrottled(id, wait, now))
		return
	}
	c, err := s.vouched(scheme, secret)
	if err != nil {
		s.reply(s.customerRefused(id, scheme, err, now))
		return
	}
	uid, err := s.customerUser(scheme, c)
	if err != nil {
		s.deps.Log.Error("customer login", "scheme", scheme, "err", err)
		s.reply(proto.Internal(id, "", now))
		return
	}
	// The merchant's signature is the credential: no generation of ours
	// can have revoked it, but a deleted account still fails here.
	gen, err := s.claim(uid, func(int) bool { return true })
	if err != nil {
		s.reply(s.customerRefused(id, scheme, err, now))
		return
	}
	params := map[string]any{"user": uid.UserID(), "authlvl": auth.LevelName(store.AuthAuth)}
	s.loggedIn(uid, store.AuthAuth, gen, params)
	s.reply(proto.CtrlParams(id, "", proto.CodeOK, "ok", params, now))
}

// customerRefused counts a failed login against the client address and
// answers it: 401 with the reason the secret was refused, or "unknown
// authentication scheme" when the server has no key for it.
func (s *Session) customerRefused(id, scheme string, err error, now proto.Time) *proto.ServerMsg {
	s.loginFailed("")
	s.deps.Log.Info("login failed", "scheme", scheme, "remote", s.remote, "err", err)
	text := "authentication failed"
	switch {
	case errors.Is(err, errSchemeOff):
		text = "unknown authentication scheme"
	case isVouchError(err):
		text = err.Error()
	}
	return proto.Ctrl(id, "", proto.CodeAuthFailed, text, now)
}

// isVouchError reports whether err is one of the documented reasons a
// token or identifier is refused.
func isVouchError(err error) bool {
	for _, e := range []error{auth.ErrTokenMalformed, auth.ErrTokenAlgorithm, auth.ErrTokenUnknownKey,
		auth.ErrTokenSignature, auth.ErrTokenExpired, auth.ErrTokenNoExpiry, auth.ErrTokenNotYetValid,
		auth.ErrTokenAudience, auth.ErrTokenIssuer, auth.ErrTokenSubject,
		auth.ErrIdentifierMalformed, auth.ErrIdentifierHash} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// customerUser returns the user of a vouched customer, creating it on
// first sight, and writes what was signed into the user's cards. The auth
// record keyed by the customer id is the mapping: it lives in the store,
// so the same id is the same user across logins and restarts.
func (s *Session) customerUser(scheme string, c *auth.Customer) (proto.Uid, error) {
	ctx := s.deps.Hub.Context()
	unique := auth.CustomerUnique(c.Subject)
	for range 2 {
		rec, err := s.deps.Users.GetAuth(ctx, unique)
		if err == nil {
			return rec.UserID, s.refreshCustomer(rec.UserID, scheme, c)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		uid, err := s.createCustomer(unique, scheme, c)
		if !errors.Is(err, store.ErrDuplicate) {
			return uid, err
		}
		// Another session created the same customer at the same moment
		// (or the random id collided): read the record again.
	}
	return 0, errors.New("customer record keeps changing")
}

// createCustomer stores a new user for the customer with its auth record.
func (s *Session) createCustomer(unique, scheme string, c *auth.Customer) (proto.Uid, error) {
	t := proto.Now().Time
	trusted, err := auth.TrustedCustomer(nil, scheme, c.Claims)
	if err != nil {
		return 0, err
	}
	public, _ := auth.PublicName(nil, c.Name)
	user := &store.User{ID: newUid(), CreatedAt: t, UpdatedAt: t, Public: public, Trusted: trusted,
		Access: store.DefaultAccess{Auth: proto.ModeCAuth, Anon: proto.ModeNone}}
	rec := &store.AuthRecord{Unique: unique, UserID: user.ID, Scheme: schemeJWT, AuthLevel: store.AuthAuth}
	if err := s.deps.Users.CreateUser(s.deps.Hub.Context(), user, rec); err != nil {
		return 0, err
	}
	s.deps.Log.Info("customer created", "user", user.ID.UserID(), "scheme", scheme)
	return user.ID, nil
}

// refreshCustomer replaces the verified part of the user's trusted card
// (keeping its other keys) and the public name, writing only on change.
// A user deleted meanwhile is left to claim, which refuses the login.
func (s *Session) refreshCustomer(uid proto.Uid, scheme string, c *auth.Customer) error {
	ctx := s.deps.Hub.Context()
	u, err := s.deps.Users.GetUser(ctx, uid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	trusted, err := auth.TrustedCustomer(u.Trusted, scheme, c.Claims)
	if err != nil {
		return err
	}
	public, renamed := auth.PublicName(u.Public, c.Name)
	upd := store.UserUpdate{UpdatedAt: proto.Now().Time}
	if renamed {
		upd.Public = public
	}
	// Both are json.Marshal of a map, whose keys come out sorted.
	if !bytes.Equal(trusted, u.Trusted) {
		upd.Trusted = trusted
	}
	if upd.Public == nil && upd.Trusted == nil {
		return nil
	}
	if err := s.deps.Users.UpdateUser(ctx, uid, upd); err != nil {
		return err
	}
	s.deps.Hub.ReloadUser(uid)
	return nil
}

// accCustomer answers {acc user:"new…"} with the jwt or hmac scheme. The
// account is the one the customer id maps to, so the request is a login
// that creates the account when it is new: it must have login:true (400
// otherwise), and desc and tags are ignored, since the profile comes from
// what the merchant signed.
func (s *Session) accCustomer(acc *proto.MsgClientAcc) {
	if !acc.Login {
		s.reply(proto.Ctrl(acc.ID, "", proto.CodeMalformed, "customer accounts must log in", proto.Now()))
		return
	}
	s.loginCustomer(acc.ID, acc.Scheme, acc.Secret)
}

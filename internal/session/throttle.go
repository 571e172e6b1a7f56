package session

import (
	"math"
	"time"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/proto"
)

// loginAccount is the account a login names, for throttling: the basic
// scheme's login as stored, empty for tokens (a token names its user only
// once verified, and forging one costs no bcrypt).
func loginAccount(l *proto.MsgClientLogin) string {
	if l.Scheme != schemeBasic {
		return ""
	}
	login, _, err := auth.ParseBasic(l.Secret)
	if err != nil {
		return ""
	}
	return auth.BasicUnique(login)
}

// loginWait is how long this session must wait before its next login may
// be tried: failed logins are throttled per client address (one address
// trying many accounts) and per account (a guesser spread over many
// addresses), checked before any password is hashed. An account's throttle
// binds only addresses with recent failures of their own: otherwise a
// guesser would lock the owner out of their account. Once an account is
// throttled, a guesser gets one try per fresh address.
func (s *Session) loginWait(account string) time.Duration {
	wait := s.deps.AddressFailures.Wait(s.remote)
	if account != "" && !s.deps.AddressFailures.Clean(s.remote) {
		wait = max(wait, s.deps.AccountFailures.Wait(account))
	}
	return wait
}

// loginFailed counts a failed login against the address and the account.
func (s *Session) loginFailed(account string) {
	s.deps.AddressFailures.Fail(s.remote)
	if account != "" {
		s.deps.AccountFailures.Fail(account)
	}
}

// loginThrottled answers a login refused by the throttle.
func loginThrottled(id string, wait time.Duration, now proto.Time) *proto.ServerMsg {
	return throttled(id, "login", "too many failed logins", wait, now)
}

// throttled answers a request refused by a throttle: 429 with params.what
// naming the request and params.retryAfter, the whole seconds to wait
// before trying again.
func throttled(id, what, text string, wait time.Duration, now proto.Time) *proto.ServerMsg {
	return proto.CtrlParams(id, "", proto.CodeTooMany, text, map[string]any{
		"what": what, "retryAfter": int(math.Ceil(wait.Seconds()))}, now)
}

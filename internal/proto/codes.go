package proto

// Ctrl codes and their texts. This table is the single place where Parley's
// answers are defined; docs/protocol.md lists the same codes with when each is
// sent. Codes 200–399 are success to Tinode clients, 400 and up are errors.
const (
	CodeOK             = 200
	CodeCreated        = 201
	CodeAccepted       = 202
	CodeNoContent      = 204
	CodeEvicted        = 205
	CodeDelivered      = 208
	CodeNotModified    = 304
	CodeMalformed      = 400
	CodeAuthFailed     = 401
	CodeForbidden      = 403
	CodeNotFound       = 404
	CodeNotAllowed     = 405
	CodeConflict       = 409
	CodeTooLarge       = 413
	CodePolicy         = 422
	CodeTooMany        = 429
	CodeInternal       = 500
	CodeNotImplemented = 501
	CodeUnavailable    = 503
	CodeVersion        = 505
)

// Ctrl builds a ctrl message with the given code and text.
func Ctrl(id, topic string, code int, text string, ts Time) *ServerMsg {
	return &ServerMsg{Ctrl: &MsgServerCtrl{ID: id, Topic: topic, Code: code, Text: text, Timestamp: ts}}
}

// CtrlParams builds a ctrl message carrying parameters.
func CtrlParams(id, topic string, code int, text string, params map[string]any, ts Time) *ServerMsg {
	m := Ctrl(id, topic, code, text, ts)
	m.Ctrl.Params = params
	return m
}

// Common answers, named for the situation rather than the number.

func OK(id, topic string, ts Time) *ServerMsg { return Ctrl(id, topic, CodeOK, "ok", ts) }
func Created(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeCreated, "created", ts)
}
func NoContent(id, topic, what string, ts Time) *ServerMsg {
	return CtrlParams(id, topic, CodeNoContent, "no content", map[string]any{"what": what}, ts)
}
func Malformed(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeMalformed, "malformed", ts)
}
func AuthRequired(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeAuthFailed, "authentication required", ts)
}
func AuthFailed(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeAuthFailed, "authentication failed", ts)
}
func Forbidden(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeForbidden, "permission denied", ts)
}
func TopicNotFound(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeNotFound, "topic not found", ts)
}
func UserNotFound(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeNotFound, "user not found", ts)
}
func NotFound(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeNotFound, "not found", ts)
}
func OutOfSequence(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeConflict, "command out of sequence", ts)
}
func AttachFirst(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeConflict, "must attach first", ts)
}
func AlreadySubscribed(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeNotModified, "already subscribed", ts)
}
func NotJoined(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeNotModified, "not joined", ts)
}
func TooLarge(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeTooLarge, "too large", ts)
}
func Policy(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodePolicy, "policy violation", ts)
}
func TooMany(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeTooMany, "too many requests", ts)
}
func Internal(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeInternal, "internal error", ts)
}
func NotImplemented(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeNotImplemented, "not implemented", ts)
}
func Unavailable(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeUnavailable, "service unavailable", ts)
}

// Disconnect reasons: the WebSocket close codes Parley uses when it ends a
// session itself. Reconnect says whether a client should come back.
type Disconnect struct {
	Code      int
	Reason    string
	Reconnect bool
}

var (
	// DisconnectShutdown: the server is stopping; reconnect with backoff.
	DisconnectShutdown = Disconnect{1001, "server shutdown", true}
	// DisconnectSlow: the outbound queue overflowed; reconnect and resume.
	DisconnectSlow = Disconnect{4008, "slow consumer", true}
	// DisconnectTooLarge: a frame was over the size limit.
	DisconnectTooLarge = Disconnect{1009, "frame too large", true}
	// DisconnectInvalidText: a WebSocket text frame was not UTF-8, which
	// RFC 6455 §8.1 says fails the connection. Reconnect, without that frame.
	DisconnectInvalidText = Disconnect{1007, "invalid UTF-8", true}
	// DisconnectIdle: nothing was heard from the client for too long.
	DisconnectIdle = Disconnect{4000, "idle timeout", true}
	// DisconnectBadAPIKey: the API key was missing or wrong; do not retry.
	DisconnectBadAPIKey = Disconnect{4003, "valid API key required", false}
	// DisconnectRevoked: the user changed their password from another
	// session, revoking this one's credentials (OWASP: a revoked session
	// must not stay connected). Its token no longer works: log in again
	// with the new password.
	DisconnectRevoked = Disconnect{4001, "credentials revoked", false}
	// DisconnectDeleted: the account was deleted (by this session, after
	// ctrl 200, or by another one). Do not come back.
	DisconnectDeleted = Disconnect{4004, "account deleted", false}
	// DisconnectDisabled: an administrator disabled the staff account
	// (parley admin staff disable). Logins fail until it is enabled again.
	DisconnectDisabled = Disconnect{4005, "account disabled", false}
	// DisconnectNoHi: the client did not send hi within hi_timeout of
	// connecting; a real client says hi at once, so reconnect and do.
	DisconnectNoHi = Disconnect{4010, "no hi in time", true}
	// DisconnectNoLogin: the session did not log in (or sign up with
	// login) within login_timeout of its hi; reconnect when ready to.
	DisconnectNoLogin = Disconnect{4011, "no login in time", true}
	// DisconnectMoved: in a cluster, a topic this session was attached to
	// changed owner (its node died or lost the lease); reconnect to any
	// node and subscribe again.
	DisconnectMoved = Disconnect{4012, "topic moved to another node", true}
)

// InvalidText answers a frame that is not valid UTF-8 text (ValidText) on a
// transport that cannot close with 1007 (long polling, binary frames).
func InvalidText(id, topic string, ts Time) *ServerMsg {
	return Ctrl(id, topic, CodeMalformed, "invalid UTF-8", ts)
}

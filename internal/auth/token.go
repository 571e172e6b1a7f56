// Package auth checks who a client is: the "basic" login/password scheme,
// signed session tokens, and anonymous accounts for website visitors. It
// knows nothing of sessions or storage; the server wires it to both.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Token layout: [8 uid][4 expires, unix seconds][2 auth level][2 serial]
// [2 features][32 HMAC-SHA256 of the first 18 bytes]. 50 bytes, sent as
// standard base64 so clients that treat it as opaque text, and servers that
// decode the login secret as base64, both work.
const (
	tokenBody = 18
	tokenLen  = tokenBody + sha256.Size
)

var (
	// ErrBadToken is returned for tokens that are malformed or wrongly signed.
	ErrBadToken = errors.New("auth: invalid token")
	// ErrExpired is returned for tokens past their expiry.
	ErrExpired = errors.New("auth: token expired")
)

// Tokens issues and verifies signed, expiring session tokens.
type Tokens struct {
	key      []byte
	lifetime time.Duration
	now      func() time.Time
}

// NewTokens returns a token issuer signing with key. Tokens expire after
// lifetime.
func NewTokens(key []byte, lifetime time.Duration) *Tokens {
	return &Tokens{key: key, lifetime: lifetime, now: time.Now}
}

// Issue returns a token for uid at the given auth level, and its expiry.
func (t *Tokens) Issue(uid proto.Uid, level int) (string, time.Time) {
	expires := t.now().Add(t.lifetime).UTC().Truncate(time.Second)
	var b [tokenLen]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(uid))
	binary.LittleEndian.PutUint32(b[8:], uint32(expires.Unix()))
	binary.LittleEndian.PutUint16(b[12:], uint16(level))
	copy(b[tokenBody:], t.sign(b[:tokenBody]))
	return base64.StdEncoding.EncodeToString(b[:]), expires
}

// Verify checks a token in its decoded (raw) form, as a login secret arrives
// after JSON base64 decoding.
func (t *Tokens) Verify(raw []byte) (proto.Uid, int, time.Time, error) {
	if len(raw) != tokenLen {
		return 0, 0, time.Time{}, ErrBadToken
	}
	if !hmac.Equal(raw[tokenBody:], t.sign(raw[:tokenBody])) {
		return 0, 0, time.Time{}, ErrBadToken
	}
	uid := proto.Uid(binary.LittleEndian.Uint64(raw[0:]))
	expires := time.Unix(int64(binary.LittleEndian.Uint32(raw[8:])), 0).UTC()
	level := int(binary.LittleEndian.Uint16(raw[12:]))
	if uid == proto.ZeroUid {
		return 0, 0, time.Time{}, ErrBadToken
	}
	if !t.now().Before(expires) {
		return 0, 0, time.Time{}, ErrExpired
	}
	return uid, level, expires, nil
}

func (t *Tokens) sign(body []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write(body)
	return m.Sum(nil)
}

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

// Claims is what a verified token says.
type Claims struct {
	UID     proto.Uid
	Level   int
	Expires time.Time
	// Gen is the user's token generation when the token was issued, in
	// the layout's serial field (the low 16 bits). A token whose Gen is not
	// the user's current one was revoked: login compares the two right
	// after the user lookup it does anyway, so revocation costs nothing
	// and needs no list of revoked tokens.
	Gen uint16
}

// Issue returns a token for uid at the given auth level and token
// generation, and its expiry.
func (t *Tokens) Issue(uid proto.Uid, level, gen int) (string, time.Time) {
	expires := t.now().Add(t.lifetime).UTC().Truncate(time.Second)
	var b [tokenLen]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(uid))
	binary.LittleEndian.PutUint32(b[8:], uint32(expires.Unix()))
	binary.LittleEndian.PutUint16(b[12:], uint16(level))
	binary.LittleEndian.PutUint16(b[14:], GenSerial(gen))
	copy(b[tokenBody:], t.sign(b[:tokenBody]))
	return base64.StdEncoding.EncodeToString(b[:]), expires
}

// GenSerial is a token generation as the token carries it. It wraps after
// 65,536 revocations; an old token would only match again if the user
// changed their password that many times within one token lifetime.
func GenSerial(gen int) uint16 { return uint16(gen) }

// Verify checks a token in its decoded (raw) form, as a login secret arrives
// after JSON base64 decoding. The caller still has to check Claims.Gen
// against the user's current generation.
func (t *Tokens) Verify(raw []byte) (Claims, error) {
	if len(raw) != tokenLen {
		return Claims{}, ErrBadToken
	}
	if !hmac.Equal(raw[tokenBody:], t.sign(raw[:tokenBody])) {
		return Claims{}, ErrBadToken
	}
	c := Claims{
		UID:     proto.Uid(binary.LittleEndian.Uint64(raw[0:])),
		Expires: time.Unix(int64(binary.LittleEndian.Uint32(raw[8:])), 0).UTC(),
		Level:   int(binary.LittleEndian.Uint16(raw[12:])),
		Gen:     binary.LittleEndian.Uint16(raw[14:]),
	}
	if c.UID == proto.ZeroUid {
		return Claims{}, ErrBadToken
	}
	if !t.now().Before(c.Expires) {
		return Claims{}, ErrExpired
	}
	return c, nil
}

func (t *Tokens) sign(body []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write(body)
	return m.Sum(nil)
}

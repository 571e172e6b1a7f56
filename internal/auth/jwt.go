package auth

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// A merchant's backend vouches for a customer by signing a JWT: "sub" is the
// shop's customer id, "exp" bounds how long the token may be used, "name"
// and any other claims describe the customer. The errors below are the
// distinct reasons a token is refused; the session answers each with its
// own 401 text (docs/protocol.md), so a merchant can tell a clock problem
// from a key problem.
var (
	ErrTokenMalformed   = errors.New("token malformed")
	ErrTokenAlgorithm   = errors.New("token algorithm not allowed")
	ErrTokenUnknownKey  = errors.New("token key unknown")
	ErrTokenSignature   = errors.New("token signature invalid")
	ErrTokenExpired     = errors.New("token expired")
	ErrTokenNoExpiry    = errors.New("token has no exp")
	ErrTokenNotYetValid = errors.New("token not valid yet")
	ErrTokenAudience    = errors.New("token audience invalid")
	ErrTokenIssuer      = errors.New("token issuer invalid")
	ErrTokenSubject     = errors.New("token subject invalid")
)

// Algorithms a key may be configured for. Each key accepts exactly one, so
// a token can never pick how it is checked (alg "none", or an HS256 token
// "signed" with an RSA public key as its HMAC secret).
const (
	AlgHS256 = "HS256"
	AlgRS256 = "RS256"
	AlgEdDSA = "EdDSA"
)

// Bounds on what one token may cost or store: it is parsed before anything
// is known about who sent it.
const (
	// MaxJWTLen is the longest token accepted; longer ones are malformed.
	MaxJWTLen = 8 << 10
	// MaxSubjectLen bounds "sub", which becomes a store key.
	MaxSubjectLen = 255
	// minHMACKeyLen is the shortest HS256 key accepted: RFC 7518 §3.2 asks
	// for at least the hash's size.
	minHMACKeyLen = 32
	// clockLeeway tolerates clock skew between the merchant and Parley.
	clockLeeway = 30 * time.Second
)

// registered are the claims about the token itself; they are checked, not
// kept in the customer's profile. "name" is kept separately, as public.fn.
var registered = map[string]bool{"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true,
	"iat": true, "jti": true, "name": true}

// KeyConfig is one configured verification key: its algorithm and either
// the key itself (Key: the shared secret for HS256, a PEM public key for
// RS256 and EdDSA) or a file holding it (KeyFile).
type KeyConfig struct {
	Alg     string `json:"alg"`
	Key     string `json:"key,omitempty"`
	KeyFile string `json:"key_file,omitempty"`
}

// JWTConfig is what the jwt scheme is told: keys by kid, and the audience
// and issuer tokens must name when set.
type JWTConfig struct {
	Keys     map[string]KeyConfig
	Audience string
	Issuer   string
}

type verifyKey struct {
	alg string
	key crypto.PublicKey // []byte for HS256
}

// JWTVerifier checks merchant-signed tokens. It is immutable after
// NewJWTVerifier and safe for concurrent use.
type JWTVerifier struct {
	keys     map[string]verifyKey
	audience string
	issuer   string
	now      func() time.Time
}

// Customer is what a verified token says about the customer.
type Customer struct {
	// Subject is the shop's customer id ("sub").
	Subject string
	// Name is the "name" claim, empty when absent or not a string.
	Name string
	// Claims are the other signed claims, without the registered ones.
	Claims map[string]any
}

// NewJWTVerifier loads the configured keys (reading key files) and checks
// that each fits its algorithm. With no keys it returns nil: the scheme is
// off.
func NewJWTVerifier(c JWTConfig) (*JWTVerifier, error) {
	if len(c.Keys) == 0 {
		return nil, nil
	}
	v := &JWTVerifier{keys: map[string]verifyKey{}, audience: c.Audience, issuer: c.Issuer, now: time.Now}
	for kid, kc := range c.Keys {
		k, err := loadKey(kc)
		if err != nil {
			return nil, fmt.Errorf("jwt key %q: %w", kid, err)
		}
		v.keys[kid] = k
	}
	return v, nil
}

// loadKey reads and parses one key for its algorithm.
func loadKey(kc KeyConfig) (verifyKey, error) {
	material := kc.Key
	if (kc.Key == "") == (kc.KeyFile == "") {
		return verifyKey{}, errors.New("give exactly one of key and key_file")
	}
	if kc.KeyFile != "" {
		b, err := os.ReadFile(kc.KeyFile)
		if err != nil {
			return verifyKey{}, err
		}
		material = string(b)
	}
	switch kc.Alg {
	case AlgHS256:
		if kc.KeyFile != "" {
			// A secret kept in a file usually ends with a newline that is
			// not part of it.
			material = strings.TrimRight(material, "\r\n")
		}
		if len(material) < minHMACKeyLen {
			return verifyKey{}, fmt.Errorf("an HS256 key needs at least %d bytes", minHMACKeyLen)
		}
		return verifyKey{alg: kc.Alg, key: []byte(material)}, nil
	case AlgRS256:
		k, err := jwt.ParseRSAPublicKeyFromPEM([]byte(material))
		if err != nil {
			return verifyKey{}, fmt.Errorf("RS256 needs a PEM RSA public key: %w", err)
		}
		if k.N.BitLen() < 2048 {
			return verifyKey{}, errors.New("RS256 keys need at least 2048 bits")
		}
		return verifyKey{alg: kc.Alg, key: k}, nil
	case AlgEdDSA:
		k, err := jwt.ParseEdPublicKeyFromPEM([]byte(material))
		if err != nil {
			return verifyKey{}, fmt.Errorf("EdDSA needs a PEM Ed25519 public key: %w", err)
		}
		return verifyKey{alg: kc.Alg, key: k}, nil
	}
	return verifyKey{}, fmt.Errorf("alg must be %s, %s or %s", AlgHS256, AlgRS256, AlgEdDSA)
}

// Verify checks a compact token and returns the customer it vouches for.
// The key is chosen by the header's "kid" (a token without one is accepted
// only when a single key is configured), and the token's "alg" must be that
// key's algorithm; only then is the signature checked, and only a signed
// token's claims are looked at.
func (v *JWTVerifier) Verify(token string) (*Customer, error) {
	if len(token) > MaxJWTLen || !utf8.ValidString(token) {
		return nil, ErrTokenMalformed
	}
	opts := []jwt.ParserOption{jwt.WithJSONNumber(), jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockLeeway), jwt.WithTimeFunc(v.now)}
	if v.audience != "" {
		opts = append(opts, jwt.WithAudience(v.audience))
	}
	if v.issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.issuer))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(opts...).ParseWithClaims(token, claims, v.keyFor)
	if err != nil {
		return nil, classify(err, claims)
	}
	return customerOf(claims)
}

// keyFor picks the key a token names and refuses any algorithm but the
// key's own.
func (v *JWTVerifier) keyFor(t *jwt.Token) (any, error) {
	var k verifyKey
	var ok bool
	switch kid, has := t.Header["kid"]; {
	case has:
		s, isString := kid.(string)
		k, ok = v.keys[s]
		ok = ok && isString
	case len(v.keys) == 1:
		for _, only := range v.keys {
			k, ok = only, true
		}
	}
	if !ok {
		return nil, ErrTokenUnknownKey
	}
	if t.Method == nil || t.Method.Alg() != k.alg {
		return nil, ErrTokenAlgorithm
	}
	return k.key, nil
}

// classify maps the library's errors to the documented reasons. The
// library joins several errors when several claims fail; the order here
// decides which one the client is told. A required claim that is missing
// is told apart by looking at the claims, which by then are signed: claim
// checks run only after the signature.
func classify(err error, claims jwt.MapClaims) error {
	for _, e := range []error{ErrTokenUnknownKey, ErrTokenAlgorithm} {
		if errors.Is(err, e) {
			return e
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrTokenMalformed
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// An "alg" the library does not know at all.
		return ErrTokenAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrTokenSignature
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return missing(claims)
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrTokenExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return ErrTokenNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrTokenAudience
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ErrTokenIssuer
	}
	// A claim of the wrong type ("exp" as text, …).
	return ErrTokenMalformed
}

// missing names the required claim a signed token lacks.
func missing(claims jwt.MapClaims) error {
	switch {
	case claims["exp"] == nil:
		return ErrTokenNoExpiry
	case claims["aud"] == nil:
		return ErrTokenAudience
	case claims["iss"] == nil:
		return ErrTokenIssuer
	}
	return ErrTokenMalformed
}

// customerOf reads the customer from verified claims.
func customerOf(claims jwt.MapClaims) (*Customer, error) {
	sub, ok := claims["sub"].(string)
	if !ok || !ValidSubject(sub) {
		return nil, ErrTokenSubject
	}
	c := &Customer{Subject: sub, Claims: map[string]any{}}
	c.Name, _ = claims["name"].(string)
	maps.Copy(c.Claims, claims)
	maps.DeleteFunc(c.Claims, func(k string, _ any) bool { return registered[k] })
	return c, nil
}

// ValidSubject reports whether s may name a customer: 1 to MaxSubjectLen
// bytes of UTF-8 without control characters, so it is safe as a store key
// and in logs.
func ValidSubject(s string) bool {
	if s == "" || len(s) > MaxSubjectLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// CustomerUnique is the auth record key of a customer vouched for by the
// merchant, by JWT or by HMAC: the same shop customer id is the same
// Parley user whichever way it was signed.
func CustomerUnique(subject string) string { return "jwt:" + subject }

// TrustedCustomer merges what the merchant vouched for into a user's
// trusted card: "verified" true, "scheme" (jwt or hmac) and "claims",
// replaced on each login; every other key (a role, say) is kept.
func TrustedCustomer(old json.RawMessage, scheme string, claims map[string]any) (json.RawMessage, error) {
	card := map[string]json.RawMessage{}
	if len(old) > 0 {
		// A card that is not an object (null, or something written by an
		// older version) is replaced.
		_ = json.Unmarshal(old, &card)
		if card == nil {
			card = map[string]json.RawMessage{}
		}
	}
	card["verified"] = json.RawMessage("true")
	s, _ := json.Marshal(scheme)
	card["scheme"] = s
	if claims == nil {
		claims = map[string]any{}
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	card["claims"] = c
	return json.Marshal(card)
}

// PublicName sets "fn" in a user's public card to name, keeping its other
// keys; an empty name leaves the card as it is.
func PublicName(old json.RawMessage, name string) (json.RawMessage, bool) {
	if name == "" {
		return old, false
	}
	card := map[string]json.RawMessage{}
	if len(old) > 0 {
		_ = json.Unmarshal(old, &card)
		if card == nil {
			card = map[string]json.RawMessage{}
		}
	}
	fn, _ := json.Marshal(name)
	if string(card["fn"]) == string(fn) {
		return old, false
	}
	card["fn"] = fn
	b, err := json.Marshal(card)
	return b, err == nil
}

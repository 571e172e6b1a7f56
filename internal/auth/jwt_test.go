package auth

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testHMACKey = "0123456789abcdef0123456789abcdef-merchant"

type testKeys struct {
	rsa *rsa.PrivateKey
	ed  ed25519.PrivateKey
	cfg JWTConfig
}

func pemOf(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func newTestKeys(t testing.TB) *testKeys {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edFile := filepath.Join(t.TempDir(), "ed.pem")
	if err := os.WriteFile(edFile, []byte(pemOf(t, ek.Public())), 0o600); err != nil {
		t.Fatal(err)
	}
	return &testKeys{rsa: rk, ed: ek, cfg: JWTConfig{Keys: map[string]KeyConfig{
		"hs":  {Alg: AlgHS256, Key: testHMACKey},
		"rs":  {Alg: AlgRS256, Key: pemOf(t, &rk.PublicKey)},
		"ed":  {Alg: AlgEdDSA, KeyFile: edFile},
		"hs2": {Alg: AlgHS256, Key: testHMACKey + "-rotated"},
	}}}
}

func sign(t testing.TB, m jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func good(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"sub": "cust-42", "exp": now.Add(5 * time.Minute).Unix(), "name": "Ann Lee",
		"order": "A-1001", "level": "gold"}
}

func TestJWTVerifyAccepts(t *testing.T) {
	k := newTestKeys(t)
	v, err := NewJWTVerifier(k.cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"HS256", sign(t, jwt.SigningMethodHS256, "hs", []byte(testHMACKey), good(now))},
		{"HS256 rotated key", sign(t, jwt.SigningMethodHS256, "hs2", []byte(testHMACKey+"-rotated"), good(now))},
		{"RS256", sign(t, jwt.SigningMethodRS256, "rs", k.rsa, good(now))},
		{"EdDSA from key_file", sign(t, jwt.SigningMethodEdDSA, "ed", k.ed, good(now))},
	} {
		c, err := v.Verify(tc.token)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.Subject != "cust-42" || c.Name != "Ann Lee" || c.Claims["order"] != "A-1001" || c.Claims["level"] != "gold" {
			t.Errorf("%s: customer = %+v", tc.name, c)
		}
		for _, r := range []string{"sub", "exp", "name"} {
			if _, ok := c.Claims[r]; ok {
				t.Errorf("%s: registered claim %q kept in the profile", tc.name, r)
			}
		}
	}
}

func TestJWTVerifyRefuses(t *testing.T) {
	k := newTestKeys(t)
	cfg := k.cfg
	cfg.Audience, cfg.Issuer = "parley", "https://shop.example"
	v, err := NewJWTVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ok := func() jwt.MapClaims {
		c := good(now)
		c["aud"], c["iss"] = "parley", "https://shop.example"
		return c
	}
	with := func(key string, val any) jwt.MapClaims {
		c := ok()
		if val == nil {
			delete(c, key)
		} else {
			c[key] = val
		}
		return c
	}
	hs := []byte(testHMACKey)
	// alg "none": the library signs it only when told it is unsafe.
	none := sign(t, jwt.SigningMethodNone, "hs", jwt.UnsafeAllowNoneSignatureType, ok())
	// HS256 keyed with the RSA public key's PEM, the classic confusion.
	confused := sign(t, jwt.SigningMethodHS256, "rs", []byte(pemOf(t, &k.rsa.PublicKey)), ok())
	valid := sign(t, jwt.SigningMethodHS256, "hs", hs, ok())
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"someone-else","exp":9999999999}`)) + "." + parts[2]
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"forged signature", sign(t, jwt.SigningMethodHS256, "hs", []byte("not-the-merchant-key-not-the-key!!"), ok()), ErrTokenSignature},
		{"tampered claims", tampered, ErrTokenSignature},
		{"expired", sign(t, jwt.SigningMethodHS256, "hs", hs, with("exp", now.Add(-time.Hour).Unix())), ErrTokenExpired},
		{"alg none", none, ErrTokenAlgorithm},
		{"alg confusion", confused, ErrTokenAlgorithm},
		{"RS256 token for an HS256 key", sign(t, jwt.SigningMethodRS256, "hs", k.rsa, ok()), ErrTokenAlgorithm},
		{"unknown kid", sign(t, jwt.SigningMethodHS256, "old", hs, ok()), ErrTokenUnknownKey},
		{"no kid with several keys", sign(t, jwt.SigningMethodHS256, "", hs, ok()), ErrTokenUnknownKey},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, "hs", hs, with("aud", "other")), ErrTokenAudience},
		{"no audience", sign(t, jwt.SigningMethodHS256, "hs", hs, with("aud", nil)), ErrTokenAudience},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, "hs", hs, with("iss", "https://evil.example")), ErrTokenIssuer},
		{"no issuer", sign(t, jwt.SigningMethodHS256, "hs", hs, with("iss", nil)), ErrTokenIssuer},
		{"missing exp", sign(t, jwt.SigningMethodHS256, "hs", hs, with("exp", nil)), ErrTokenNoExpiry},
		{"not yet valid", sign(t, jwt.SigningMethodHS256, "hs", hs, with("nbf", now.Add(time.Hour).Unix())), ErrTokenNotYetValid},
		{"missing sub", sign(t, jwt.SigningMethodHS256, "hs", hs, with("sub", nil)), ErrTokenSubject},
		{"control character in sub", sign(t, jwt.SigningMethodHS256, "hs", hs, with("sub", "a\nb")), ErrTokenSubject},
		{"sub too long", sign(t, jwt.SigningMethodHS256, "hs", hs, with("sub", strings.Repeat("x", 256))), ErrTokenSubject},
		{"exp as text", sign(t, jwt.SigningMethodHS256, "hs", hs, with("exp", "tomorrow")), ErrTokenMalformed},
		{"malformed", "not.a.token", ErrTokenMalformed},
		{"two segments", "abc.def", ErrTokenMalformed},
		{"empty", "", ErrTokenMalformed},
		{"too long", valid + strings.Repeat("A", MaxJWTLen), ErrTokenMalformed},
	} {
		_, err := v.Verify(tc.token)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := v.Verify(valid); err != nil {
		t.Errorf("valid token refused: %v", err)
	}
}

func TestJWTSingleKeyNeedsNoKid(t *testing.T) {
	v, err := NewJWTVerifier(JWTConfig{Keys: map[string]KeyConfig{"only": {Alg: AlgHS256, Key: testHMACKey}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(sign(t, jwt.SigningMethodHS256, "", []byte(testHMACKey), good(time.Now()))); err != nil {
		t.Errorf("token without kid, one key configured: %v", err)
	}
}

func TestJWTConfigRefused(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for name, kc := range map[string]KeyConfig{
		"short HS256 key":    {Alg: AlgHS256, Key: "short"},
		"unknown alg":        {Alg: "HS512", Key: testHMACKey},
		"none":               {Alg: "none", Key: testHMACKey},
		"both key and file":  {Alg: AlgHS256, Key: testHMACKey, KeyFile: "/x"},
		"neither":            {Alg: AlgHS256},
		"missing file":       {Alg: AlgEdDSA, KeyFile: filepath.Join(t.TempDir(), "absent.pem")},
		"RSA key not PEM":    {Alg: AlgRS256, Key: "MIIB…"},
		"RSA key too small":  {Alg: AlgRS256, Key: pemOf(t, &rk.PublicKey)},
		"EdDSA with RSA pem": {Alg: AlgEdDSA, Key: pemOf(t, &rk.PublicKey)},
		"lowercase alg":      {Alg: "hs256", Key: testHMACKey},
	} {
		if _, err := NewJWTVerifier(JWTConfig{Keys: map[string]KeyConfig{"k": kc}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if v, err := NewJWTVerifier(JWTConfig{}); v != nil || err != nil {
		t.Errorf("no keys: %v, %v; want the scheme off", v, err)
	}
}

func TestTrustedCustomerKeepsOtherKeys(t *testing.T) {
	out, err := TrustedCustomer(json.RawMessage(`{"role":"customer","verified":false,"claims":{"old":1}}`), "jwt",
		map[string]any{"order": "A-1"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got["role"] != "customer" || got["verified"] != true || got["scheme"] != "jwt" {
		t.Errorf("trusted = %s", out)
	}
	if c := got["claims"].(map[string]any); c["order"] != "A-1" || c["old"] != nil {
		t.Errorf("claims = %v, want replaced by the new ones", c)
	}
	for _, old := range []string{"", "null", `"text"`, "[1]"} {
		if out, err := TrustedCustomer(json.RawMessage(old), "hmac", nil); err != nil ||
			string(out) != `{"claims":{},"scheme":"hmac","verified":true}` {
			t.Errorf("TrustedCustomer(%q) = %s, %v", old, out, err)
		}
	}
}

func TestPublicName(t *testing.T) {
	out, changed := PublicName(json.RawMessage(`{"fn":"old","photo":"x"}`), "Ann")
	if !changed || string(out) != `{"fn":"Ann","photo":"x"}` {
		t.Errorf("PublicName = %s, %v", out, changed)
	}
	if _, changed := PublicName(out, "Ann"); changed {
		t.Error("same name reported as a change")
	}
	if out, changed := PublicName(json.RawMessage(`{"fn":"x"}`), ""); changed || string(out) != `{"fn":"x"}` {
		t.Errorf("empty name: %s, %v", out, changed)
	}
}

func identifierSecret(id, key string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(id))
	return []byte(id + ":" + hex.EncodeToString(m.Sum(nil)))
}

func TestIdentifierVerifier(t *testing.T) {
	v, err := NewIdentifierVerifier(testHMACKey)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := v.Verify(identifierSecret("shop:cust-7", testHMACKey)); err != nil || id != "shop:cust-7" {
		t.Errorf("Verify = %q, %v", id, err)
	}
	upper := identifierSecret("cust-7", testHMACKey)
	upper = []byte(strings.ToUpper(string(upper[:7])) + strings.ToUpper(string(upper[7:])))
	if _, err := v.Verify([]byte("cust-7" + string(upper[6:]))); err != nil {
		t.Errorf("uppercase hex: %v", err)
	}
	for name, tc := range map[string]struct {
		secret []byte
		want   error
	}{
		"wrong key":     {identifierSecret("cust-7", testHMACKey+"x"), ErrIdentifierHash},
		"other id":      {append([]byte("cust-8"), identifierSecret("cust-7", testHMACKey)[6:]...), ErrIdentifierHash},
		"no colon":      {[]byte("cust-7"), ErrIdentifierMalformed},
		"not hex":       {[]byte("cust-7:zz"), ErrIdentifierMalformed},
		"short hash":    {[]byte("cust-7:abcd"), ErrIdentifierMalformed},
		"empty id":      {identifierSecret("", testHMACKey), ErrIdentifierMalformed},
		"control in id": {identifierSecret("a\x00b", testHMACKey), ErrIdentifierMalformed},
	} {
		if _, err := v.Verify(tc.secret); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	if v, err := NewIdentifierVerifier("short"); err == nil || v != nil {
		t.Error("short key accepted")
	}
	if v, err := NewIdentifierVerifier(""); err != nil || v != nil {
		t.Error("empty key: want the scheme off")
	}
}

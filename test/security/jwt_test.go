package security

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Customers vouched for by the merchant's backend log in with a JWT the
// merchant signed. These are the ways a visitor may try to pass as a
// customer they are not, against a real `parley serve` configured the way
// an operator would: keys in a JSON file named by PARLEY_JWT_KEYS, the
// RSA public key in a PEM file of its own.

const shopSecret = "the-shop-backend-hs256-secret-0123456789"

type shop struct {
	rsa    *rsa.PrivateKey
	rsaPEM []byte
	env    []string
}

func newShop(t *testing.T) *shop {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	s := &shop{rsa: k, rsaPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "shop-rs.pem")
	keys, _ := json.Marshal(map[string]any{
		"hs-1": map[string]string{"alg": "HS256", "key": shopSecret},
		"rs-1": map[string]string{"alg": "RS256", "key_file": pemFile},
	})
	keysFile := filepath.Join(dir, "jwt-keys.json")
	for name, b := range map[string][]byte{pemFile: s.rsaPEM, keysFile: keys} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.env = []string{"PARLEY_JWT_KEYS=" + keysFile, "PARLEY_JWT_AUDIENCE=parley-widget",
		"PARLEY_JWT_ISSUER=https://shop.example"}
	return s
}

// claims are a valid token's claims with changes: a nil value removes the
// claim.
func claims(changes jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "customer-501", "name": "Dana", "aud": "parley-widget",
		"iss": "https://shop.example", "exp": time.Now().Add(10 * time.Minute).Unix(), "order": "SO-9"}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func signed(t *testing.T, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwtLogin logs in on a new connection and returns the answer.
func jwtLogin(t *testing.T, p *servertest.Process, token string) msg {
	t.Helper()
	c := dial(t, p)
	defer c.Close()
	c.Hi()
	id := c.ID()
	return c.Request(id, msg{"login": msg{"id": id, "scheme": "jwt", "secret": token}})
}

func TestJWTAttacks(t *testing.T) {
	s := newShop(t)
	p := startServer(t, append(s.env, "PARLEY_LOGIN_ADDRESS_BURST=1000")...)
	hs := []byte(shopSecret)
	valid := signed(t, jwt.SigningMethodRS256, "rs-1", s.rsa, claims(nil))
	parts := strings.Split(valid, ".")
	// The payload swapped for another customer's, the signature kept.
	swapped := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(
		`{"sub":"customer-1","aud":"parley-widget","iss":"https://shop.example","exp":9999999999}`)) + "." + parts[2]
	for _, tc := range []struct{ name, token, text string }{
		{"forged signature", signed(t, jwt.SigningMethodHS256, "hs-1", []byte("guessed-secret-guessed-secret-0000"), claims(nil)), "token signature invalid"},
		{"payload swapped", swapped, "token signature invalid"},
		{"expired", signed(t, jwt.SigningMethodHS256, "hs-1", hs, claims(jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()})), "token expired"},
		{"alg none", signed(t, jwt.SigningMethodNone, "hs-1", jwt.UnsafeAllowNoneSignatureType, claims(nil)), "token algorithm not allowed"},
		{"alg none on the RSA key", signed(t, jwt.SigningMethodNone, "rs-1", jwt.UnsafeAllowNoneSignatureType, claims(nil)), "token algorithm not allowed"},
		// HS256 "signed" with the RSA public key, which an attacker has:
		// a verifier that lets the token choose the algorithm accepts it.
		{"algorithm confusion", signed(t, jwt.SigningMethodHS256, "rs-1", s.rsaPEM, claims(nil)), "token algorithm not allowed"},
		{"unknown kid", signed(t, jwt.SigningMethodHS256, "hs-0", hs, claims(nil)), "token key unknown"},
		{"wrong audience", signed(t, jwt.SigningMethodHS256, "hs-1", hs, claims(jwt.MapClaims{"aud": "another-app"})), "token audience invalid"},
		{"wrong issuer", signed(t, jwt.SigningMethodHS256, "hs-1", hs, claims(jwt.MapClaims{"iss": "https://evil.example"})), "token issuer invalid"},
		{"missing exp", signed(t, jwt.SigningMethodHS256, "hs-1", hs, claims(jwt.MapClaims{"exp": nil})), "token has no exp"},
		{"malformed", "eyJhbGciOiJIUzI1NiJ9.not-json.c2ln", "token malformed"},
		{"oversized", signed(t, jwt.SigningMethodHS256, "hs-1", hs, claims(jwt.MapClaims{"pad": strings.Repeat("x", 10_000)})), "token malformed"},
	} {
		ctrl := jwtLogin(t, p, tc.token)
		if ctrl.Code() != 401 || ctrl["text"] != tc.text {
			t.Errorf("%s: %v, want 401 %q", tc.name, ctrl, tc.text)
		}
	}
	// Still up, and the real customer gets in with either key.
	for _, tok := range []string{valid, signed(t, jwt.SigningMethodHS256, "hs-1", hs, claims(nil))} {
		if ctrl := jwtLogin(t, p, tok); ctrl.Code() != 200 {
			t.Errorf("valid token after the attacks: %v", ctrl)
		}
	}
}

// The shop's customer id is the same Parley user at every login and after
// a restart of the process.
func TestJWTCustomerSurvivesRestart(t *testing.T) {
	s := newShop(t)
	if testing.Short() {
		t.Skip("starts a server process: skipped in -short mode")
	}
	dir := t.TempDir()
	p := servertest.StartProcess(t, dir, s.env...)
	tok := func() string { return signed(t, jwt.SigningMethodRS256, "rs-1", s.rsa, claims(nil)) }
	first := jwtLogin(t, p, tok()).Get("params.user")
	if first == nil {
		t.Fatal("first login failed")
	}
	if again := jwtLogin(t, p, tok()).Get("params.user"); again != first {
		t.Fatalf("second login: %v, first %v", again, first)
	}
	p.Terminate()
	p = servertest.StartProcess(t, dir, s.env...)
	if after := jwtLogin(t, p, tok()).Get("params.user"); after != first {
		t.Errorf("after a restart: %v, before %v", after, first)
	}
}

// Refused tokens are failed logins of the client address: a visitor
// trying tokens is throttled before any signature is checked.
func TestJWTFailuresThrottled(t *testing.T) {
	s := newShop(t)
	p := startServer(t, append(s.env, "PARLEY_LOGIN_ADDRESS_BURST=3", "PARLEY_LOGIN_ADDRESS_EVERY=1h")...)
	forged := signed(t, jwt.SigningMethodHS256, "hs-1", []byte("guessed-secret-guessed-secret-0000"), claims(nil))
	for i := range 3 {
		if code := jwtLogin(t, p, forged).Code(); code != 401 {
			t.Fatalf("forged token %d: %d, want 401", i+1, code)
		}
	}
	if ctrl := jwtLogin(t, p, forged); ctrl.Code() != 429 || ctrl.Int("params.retryAfter") < 1 {
		t.Fatalf("fourth forged token: %v, want 429 with params.retryAfter", ctrl)
	}
}

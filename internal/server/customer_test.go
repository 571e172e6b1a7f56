package server_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// These tests cover customers vouched for by the merchant's backend: the
// login schemes jwt and hmac, with tokens signed here as a merchant would.

const (
	merchantKey = "merchant-shared-secret-0123456789abcdef"
	hmacKey     = "chatwoot-style-inbox-hmac-token-0123456789"
)

type merchant struct {
	ed ed25519.PrivateKey
}

func newMerchant(t testing.TB) *merchant {
	t.Helper()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &merchant{ed: ed}
}

// configure turns on both schemes with an HS256 and an EdDSA key.
func (m *merchant) configure(t testing.TB) func(*server.Config) {
	der, err := x509.MarshalPKIXPublicKey(m.ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	edPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return func(c *server.Config) {
		c.JWTKeys = server.JWTKeys{"shop-2026": {Alg: auth.AlgHS256, Key: merchantKey},
			"shop-ed": {Alg: auth.AlgEdDSA, Key: edPEM}}
		c.JWTAudience = "parley"
		c.HMACKey = hmacKey
	}
}

// token signs claims with the HS256 key, adding aud and a 5-minute exp
// unless claims set them.
func (m *merchant) token(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	full := jwt.MapClaims{"aud": "parley", "exp": time.Now().Add(5 * time.Minute).Unix()}
	for k, v := range claims {
		full[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, full)
	tok.Header["kid"] = "shop-2026"
	s, err := tok.SignedString([]byte(merchantKey))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func identifierSecret(id, key string) string {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(id))
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + hex.EncodeToString(h.Sum(nil))))
}

// customerLogin logs in on a fresh connection with scheme and secret and
// returns the client and the answer.
func customerLogin(t *testing.T, srv *servertest.Server, scheme, secret string) (*servertest.Client, Msg) {
	t.Helper()
	c := freshConn(t, srv)
	ctrl := request(c, "login", Msg{"scheme": scheme, "secret": secret})
	if ctrl.Code() == 200 {
		c.User, _ = ctrl.Get("params.user").(string)
		c.Token, _ = ctrl.Get("params.token").(string)
	}
	return c, ctrl
}

// meDesc returns the caller's own desc.
func meDesc(t *testing.T, c *servertest.Client) Msg {
	t.Helper()
	id := c.ID()
	c.Send(Msg{"sub": Msg{"id": id, "topic": "me", "get": Msg{"what": "desc"}}})
	m := c.Until("me desc", func(m Msg) bool { return m.Get("meta.desc") != nil })
	return m.Obj("meta").Obj("desc")
}

func TestCustomerJWTLoginMapsToOneUser(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	dir := t.TempDir()
	srv := servertest.StartIn(t, dir, m.configure(t))

	// The token arrives as tinode-sdk sends it: the compact JWT as text.
	a, ctrl := customerLogin(t, srv, "jwt", m.token(t, jwt.MapClaims{"sub": "cust-1001", "name": "Ann Lee",
		"order": "A-77", "level": "gold"}))
	mustCode(t, "first jwt login", ctrl, 200)
	if ctrl.Get("params.authlvl") != "auth" || ctrl.Get("params.token") == nil {
		t.Errorf("login answer: %v", ctrl)
	}
	desc := meDesc(t, a)
	if desc.Get("public.fn") != "Ann Lee" || desc.Get("trusted.verified") != true ||
		desc.Get("trusted.scheme") != "jwt" || desc.Get("trusted.claims.order") != "A-77" ||
		desc.Get("trusted.claims.level") != "gold" || desc.Get("trusted.claims.sub") != nil {
		t.Errorf("customer's own desc: %v", desc)
	}
	first := a.User

	// An agent (anyone logged in, until roles exist) sees the profile.
	agent := anon(t, srv)
	agent.Send(Msg{"get": Msg{"id": agent.ID(), "topic": first, "what": "desc"}})
	view := agent.Until("customer card", func(m Msg) bool { return m.Get("meta.desc") != nil })
	if view.Get("meta.desc.trusted.claims.order") != "A-77" || view.Get("meta.desc.public.fn") != "Ann Lee" {
		t.Errorf("agent's view of the customer: %v", view)
	}
	// The anonymous visitor is unverified: no trusted card at all.
	if d := meDesc(t, agent); d.Get("trusted.verified") != nil {
		t.Errorf("anonymous visitor's trusted = %v, want no verified mark", d.Get("trusted"))
	}

	// The same sub again, signed by the other key, with new claims: the
	// same user, the profile replaced.
	ed := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "cust-1001", "name": "Ann Lee-Park",
		"aud": "parley", "exp": time.Now().Add(time.Minute).Unix(), "level": "platinum"})
	ed.Header["kid"] = "shop-ed"
	edToken, err := ed.SignedString(m.ed)
	if err != nil {
		t.Fatal(err)
	}
	b, ctrl := customerLogin(t, srv, "jwt", edToken)
	mustCode(t, "second jwt login", ctrl, 200)
	if b.User != first {
		t.Fatalf("same sub logged in as %s, then %s", first, b.User)
	}
	desc = meDesc(t, b)
	if desc.Get("public.fn") != "Ann Lee-Park" || desc.Get("trusted.claims.level") != "platinum" ||
		desc.Get("trusted.claims.order") != nil {
		t.Errorf("desc after the second login: %v", desc)
	}
	// The Parley token issued at a jwt login works as any token.
	if code := loginCode(t, srv, "", "", b.Token); code != 200 {
		t.Errorf("token login after a jwt login: %d", code)
	}
	// Another customer is another user.
	c, ctrl := customerLogin(t, srv, "jwt", m.token(t, jwt.MapClaims{"sub": "cust-1002"}))
	mustCode(t, "other customer", ctrl, 200)
	if c.User == first {
		t.Error("two subs share a user")
	}
	// Chatwoot's identifier hash for the same customer id is the same user.
	h, ctrl := customerLogin(t, srv, "hmac", identifierSecret("cust-1001", hmacKey))
	mustCode(t, "hmac login", ctrl, 200)
	if h.User != first {
		t.Errorf("hmac login of cust-1001 is %s, jwt login %s", h.User, first)
	}
	if d := meDesc(t, h); d.Get("trusted.scheme") != "hmac" || d.Get("trusted.verified") != true ||
		d.Get("public.fn") != "Ann Lee-Park" {
		t.Errorf("desc after the hmac login: %v", d)
	}

	// Across a restart the mapping holds.
	for _, cl := range []*servertest.Client{a, b, c, h, agent} {
		cl.Close()
	}
	srv.Stop()
	srv = servertest.StartIn(t, dir, m.configure(t))
	again, ctrl := customerLogin(t, srv, "jwt", m.token(t, jwt.MapClaims{"sub": "cust-1001"}))
	mustCode(t, "jwt login after restart", ctrl, 200)
	if again.User != first {
		t.Errorf("after a restart cust-1001 is %s, was %s", again.User, first)
	}
}

func TestCustomerAccWithJWT(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	srv := servertest.Start(t, m.configure(t))
	tok := m.token(t, jwt.MapClaims{"sub": "acc-1", "name": "Bo"})

	c := freshConn(t, srv)
	ctrl := request(c, "acc", Msg{"user": "new", "scheme": "jwt", "secret": tok})
	if ctrl.Code() != 400 || ctrl["text"] != "customer accounts must log in" {
		t.Errorf("acc jwt without login: %v", ctrl)
	}
	ctrl = request(c, "acc", Msg{"user": "new", "scheme": "jwt", "secret": tok, "login": true,
		"desc": Msg{"public": Msg{"fn": "Mallory"}}})
	mustCode(t, "acc jwt with login", ctrl, 200)
	user := ctrl.Get("params.user")
	d := meDesc(t, c)
	if d.Get("public.fn") != "Bo" {
		t.Errorf("acc desc.public overrode the signed name: %v", d)
	}
	// Creating "again" is a login to the same account; the same profile
	// is not written again.
	again, ctrl := customerLogin(t, srv, "jwt", tok)
	if ctrl.Get("params.user") != user {
		t.Errorf("acc made %v, login found %v", user, ctrl.Get("params.user"))
	}
	if u := meDesc(t, again).Get("updated"); u != d.Get("updated") {
		t.Errorf("an unchanged profile was rewritten: updated %v, then %v", d.Get("updated"), u)
	}
	bad := freshConn(t, srv)
	ctrl = request(bad, "acc", Msg{"user": "new", "scheme": "jwt", "login": true,
		"secret": m.token(t, jwt.MapClaims{"sub": "acc-2", "exp": time.Now().Add(-time.Hour).Unix()})})
	if ctrl.Code() != 401 || ctrl["text"] != "token expired" {
		t.Errorf("acc with an expired token: %v", ctrl)
	}
}

func TestCustomerRefusalsOnTheWire(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	srv := servertest.Start(t, m.configure(t))
	past := time.Now().Add(-time.Hour).Unix()
	forged := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "x", "aud": "parley",
		"exp": time.Now().Add(time.Minute).Unix()})
	forged.Header["kid"] = "shop-2026"
	forgedTok, _ := forged.SignedString([]byte("an-attacker-guess-of-the-merchant-key"))
	c := freshConn(t, srv)
	for _, tc := range []struct{ name, scheme, secret, text string }{
		{"forged", "jwt", forgedTok, "token signature invalid"},
		{"expired", "jwt", m.token(t, jwt.MapClaims{"sub": "x", "exp": past}), "token expired"},
		{"wrong audience", "jwt", m.token(t, jwt.MapClaims{"sub": "x", "aud": "elsewhere"}), "token audience invalid"},
		{"no sub", "jwt", m.token(t, jwt.MapClaims{}), "token subject invalid"},
		{"malformed", "jwt", "bm90IGEgdG9rZW4=", "token malformed"},
		{"hmac forged", "hmac", identifierSecret("cust-1", "not-the-inbox-key-0123456789abcdef"), "identifier hash invalid"},
		{"hmac malformed", "hmac", base64.StdEncoding.EncodeToString([]byte("cust-1")), "identifier malformed"},
	} {
		ctrl := request(c, "login", Msg{"scheme": tc.scheme, "secret": tc.secret})
		if ctrl.Code() != 401 || ctrl["text"] != tc.text {
			t.Errorf("%s: %v, want 401 %q", tc.name, ctrl, tc.text)
		}
	}
	// Refusals leave the session usable.
	_, ctrl := customerLogin(t, srv, "jwt", m.token(t, jwt.MapClaims{"sub": "x"}))
	mustCode(t, "valid login after refusals", ctrl, 200)
}

func TestCustomerSchemesOffWithoutKeys(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	m := newMerchant(t)
	c := freshConn(t, srv)
	for _, scheme := range []string{"jwt", "hmac"} {
		secret := m.token(t, jwt.MapClaims{"sub": "x"})
		if scheme == "hmac" {
			secret = identifierSecret("x", hmacKey)
		}
		ctrl := request(c, "login", Msg{"scheme": scheme, "secret": secret})
		if ctrl.Code() != 401 || ctrl["text"] != "unknown authentication scheme" {
			t.Errorf("%s without keys: %v", scheme, ctrl)
		}
	}
}

func TestCustomerFailuresAreThrottled(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	cfg := m.configure(t)
	srv := servertest.Start(t, cfg, func(c *server.Config) {
		c.LoginAddressBurst, c.LoginAddressEvery = 2, server.Duration(time.Hour)
	})
	c := freshConn(t, srv)
	bad := m.token(t, jwt.MapClaims{"sub": "x", "exp": time.Now().Add(-time.Hour).Unix()})
	for i := range 2 {
		if ctrl := request(c, "login", Msg{"scheme": "jwt", "secret": bad}); ctrl.Code() != 401 {
			t.Fatalf("failure %d: %v", i, ctrl)
		}
	}
	for _, tc := range []struct{ scheme, secret string }{
		{"jwt", m.token(t, jwt.MapClaims{"sub": "x"})},
		{"hmac", identifierSecret("x", hmacKey)},
	} {
		ctrl := request(c, "login", Msg{"scheme": tc.scheme, "secret": tc.secret})
		if ctrl.Code() != 429 || ctrl.Get("params.what") != "login" || ctrl.Int("params.retryAfter") < 1 {
			t.Errorf("%s login after the address used its failures: %v, want 429", tc.scheme, ctrl)
		}
	}
}

// A shop's customer id is the customer's key in the store, but not a search
// term: nobody can find a customer, or tell that one exists, by their id
// at the shop.
func TestCustomerIDNotSearchable(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	srv := servertest.Start(t, m.configure(t))
	_, ctrl := customerLogin(t, srv, "jwt", m.token(t, jwt.MapClaims{"sub": "cust9"}))
	mustCode(t, "jwt login", ctrl, 200)
	snoop := anon(t, srv)
	for _, q := range []string{"jwt:cust9", "cust9"} {
		if found := search(t, snoop, q); len(found) != 0 {
			t.Errorf("search %q found %v", q, names(found))
		}
	}
}

// Several first logins of one customer at once (two tabs opening the
// chat) make one user: the auth record's unique key decides, and the
// losers read the winner's record.
func TestCustomerConcurrentFirstLogins(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	srv := servertest.Start(t, m.configure(t))
	const n = 8
	clients := make([]*servertest.Client, n)
	for i := range clients {
		clients[i] = freshConn(t, srv)
	}
	tok := m.token(t, jwt.MapClaims{"sub": "two-tabs", "name": "Tab"})
	users := make([]any, n)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			id := c.ID()
			users[i] = c.Request(id, Msg{"login": Msg{"id": id, "scheme": "jwt", "secret": tok}}).Get("params.user")
		})
	}
	wg.Wait()
	for i, u := range users {
		if u == nil || u != users[0] {
			t.Fatalf("concurrent first logins made users %v (login %d)", users, i)
		}
	}
}

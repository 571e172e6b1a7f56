package security

import (
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// dialFrom opens a raw client from address from and says hi.
func dialFrom(t *testing.T, p *servertest.Process, from string) *servertest.Client {
	t.Helper()
	c, err := servertest.DialFrom(t, p.Addr, from)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	if code := c.Hi().Code(); code != 201 {
		t.Fatalf("hi from %s: %d", from, code)
	}
	return c
}

// Wrong passwords were unlimited, each a bcrypt. Now an account takes a
// burst of failures, then is answered 429 with a retry hint before any
// hash is computed, whichever address the guesses come from; an address
// trying many accounts is throttled the same way; everyone else logs in.
func TestEdgeLoginThrottle(t *testing.T) {
	p := startServer(t, "PARLEY_LOGIN_ACCOUNT_BURST=3", "PARLEY_LOGIN_ACCOUNT_EVERY=1h",
		"PARLEY_LOGIN_ADDRESS_BURST=5", "PARLEY_LOGIN_ADDRESS_EVERY=1h")
	for _, login := range []string{"victim", "bystander"} {
		if code := dialFrom(t, p, "127.0.0.1").Signup(login, "right-pass").Code(); code != 200 {
			t.Fatalf("signup %s: %d", login, code)
		}
	}
	// Guesses at one account from two addresses: the account's burst is 3.
	for i, from := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.2"} {
		if code := dialFrom(t, p, from).Login("victim", "guess").Code(); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i+1, code)
		}
	}
	throttled := dialFrom(t, p, "127.0.0.3").Login("victim", "guess")
	if throttled.Code() != 429 || throttled.Int("params.retryAfter") < 1 {
		t.Fatalf("fourth guess: %v, want 429 with params.retryAfter", throttled)
	}
	// The owner, at an address that has not failed, is not locked out.
	if code := dialFrom(t, p, "127.0.0.5").Login("victim", "right-pass").Code(); code != 200 {
		t.Fatalf("the owner during the attack: %d, want 200", code)
	}
	// One address trying many accounts: its burst is 5 (two spent above).
	guesser := dialFrom(t, p, "127.0.0.2")
	for i := 0; i < 3; i++ {
		if code := guesser.Login(fmt.Sprintf("nobody%d", i), "guess").Code(); code != 401 {
			t.Fatalf("address guess %d: %d, want 401", i+1, code)
		}
	}
	if code := guesser.Login("bystander", "right-pass").Code(); code != 429 {
		t.Fatalf("an address past its burst: %d, want 429", code)
	}
	if code := dialFrom(t, p, "127.0.0.4").Login("bystander", "right-pass").Code(); code != 200 {
		t.Fatalf("another address, another account: %d, want 200", code)
	}
}

// Fullwidth and mathematical-bold forms registered next to their NFKC-equal
// ASCII login, and Cyrillic homoglyphs were accepted. Now they are the same
// login (409, and they log into it), and a login mixing scripts is refused
// with 422.
func TestEdgeLookAlikeLogins(t *testing.T) {
	p := startServer(t)
	if code := dialFrom(t, p, "127.0.0.1").Signup("alice", "alice-pass").Code(); code != 200 {
		t.Fatalf("signup alice: %d", code)
	}
	for _, tc := range []struct {
		login string
		want  int
	}{
		{"ＡＬＩＣＥ", 409}, // fullwidth
		{"𝐚𝐥𝐢𝐜𝐞", 409}, // mathematical bold
		{"ALICE", 409},
		{"аlice", 422},  // Cyrillic а, Latin lice
		{"пример", 200}, // one script, not Latin: fine
	} {
		if code := dialFrom(t, p, "127.0.0.1").Signup(tc.login, "other-pass").Code(); code != tc.want {
			t.Errorf("signup %q: %d, want %d", tc.login, code, tc.want)
		}
	}
	for _, login := range []string{"ＡＬＩＣＥ", "𝐚𝐥𝐢𝐜𝐞", "Alice"} {
		if code := dialFrom(t, p, "127.0.0.1").Login(login, "alice-pass").Code(); code != 200 {
			t.Errorf("login %q as alice: %d, want 200", login, code)
		}
	}
}

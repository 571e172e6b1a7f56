package security

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Accounts cost storage for good and anonymous ones need no credentials,
// so one address may make signup_burst of them at once and then one per
// signup_every; the next is answered 429 with how long to wait, and the
// connection stays usable.
func TestSignupFloodThrottled(t *testing.T) {
	p := startServer(t, "PARLEY_SIGNUP_BURST=3", "PARLEY_SIGNUP_EVERY=1h")
	c := dial(t, p)
	c.Hi()
	n := 0
	signup := func(c *servertest.Client) msg {
		n++
		id := c.ID()
		secret := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "flood%d:password", n))
		return c.Request(id, msg{"acc": msg{"id": id, "user": "new", "scheme": "basic", "secret": secret}})
	}
	for i := range 3 {
		if ctrl := signup(c); ctrl.Code() != 201 {
			t.Fatalf("signup %d: %v", i+1, ctrl)
		}
	}
	ctrl := signup(c)
	if ctrl.Code() != 429 || ctrl.Get("params.what") != "acc" || ctrl.Int("params.retryAfter") < 1 {
		t.Fatalf("fourth signup: %v, want 429 with what acc and retryAfter", ctrl)
	}
	// Another connection from the same address is held to the same count.
	d := dial(t, p)
	d.Hi()
	if ctrl := signup(d); ctrl.Code() != 429 {
		t.Fatalf("signup on a second connection: %v, want 429", ctrl)
	}
	// The refused connection still answers.
	if hi := c.Hi(); hi.Code() >= 300 {
		t.Fatalf("hi after the refusal: %v", hi)
	}
}

package server_test

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Msg is the fixture's frame type, short for the tests.
type Msg = servertest.Msg

// anon opens a session with an anonymous account. Behaviour tests use it
// rather than the basic scheme: they are not about passwords, and a bcrypt
// hash costs over a second under the race detector. The account lets
// anonymous callers talk to it (its defacs.anon is the usual auth default),
// since the other side of the tests' conversations is anonymous too.
func anon(t testing.TB, srv *servertest.Server) *servertest.Client {
	t.Helper()
	c := srv.Dial(t)
	if hi := c.Hi(); hi.Code() != 201 {
		t.Fatalf("hi: %v", hi)
	}
	id := c.ID()
	ctrl := c.Request(id, Msg{"acc": Msg{"id": id, "user": "new", "scheme": "anonymous", "login": true,
		"desc": Msg{"defacs": Msg{"anon": "JRWPASD"}}}})
	if ctrl.Code() != 200 {
		t.Fatalf("anonymous signup: %v", ctrl)
	}
	c.User, _ = ctrl.Get("params.user").(string)
	c.Token, _ = ctrl.Get("params.token").(string)
	return c
}

// mustCode fails unless ctrl has the code.
func mustCode(t testing.TB, what string, ctrl Msg, code int) {
	t.Helper()
	if ctrl.Code() != code {
		t.Fatalf("%s: got %v, want code %d", what, ctrl, code)
	}
}

// p2p attaches a and b to their one-to-one topic, a first.
func p2p(t testing.TB, a, b *servertest.Client) {
	t.Helper()
	mustCode(t, "a sub", a.Sub(b.User), 200)
	mustCode(t, "b sub", b.Sub(a.User), 200)
}

// group creates a group owned by owner that anonymous users may join, and
// subscribes the members to it. It returns the group's name.
func group(t testing.TB, owner *servertest.Client, members ...*servertest.Client) string {
	t.Helper()
	id := owner.ID()
	ctrl := owner.Request(id, Msg{"sub": Msg{"id": id, "topic": "new" + id,
		"set": Msg{"desc": Msg{"defacs": Msg{"auth": "JRWPS", "anon": "JRWPS"}}}}})
	mustCode(t, "create group", ctrl, 200)
	name, _ := ctrl["topic"].(string)
	if !strings.HasPrefix(name, "grp") {
		t.Fatalf("create group: %v", ctrl)
	}
	for _, m := range members {
		mustCode(t, "join group", m.Sub(name), 200)
	}
	return name
}

// isData reports whether m is a {data} frame of seq.
func isData(seq int) func(Msg) bool {
	return func(m Msg) bool { return m.Int("data.seq") == seq }
}

// hasKey matches frames of one kind: "data", "ctrl"…
func hasKey(key string) func(Msg) bool {
	return func(m Msg) bool { return m[key] != nil }
}

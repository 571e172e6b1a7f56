package server_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/server/servertest"
)

// These tests cover the account lifecycle: a password change revoking the
// tokens issued before it, and {del what="user"}.

// wantClose reads until the connection ends and fails unless it ended with
// the close code.
func wantClose(t *testing.T, what string, c *servertest.Client, code int) {
	t.Helper()
	err := c.ReadErr()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("%s: connection ended with %v, want close %d", what, err, code)
	}
}

// freshConn dials a new session and says hi.
func freshConn(t *testing.T, srv *servertest.Server) *servertest.Client {
	t.Helper()
	c := srv.Dial(t)
	mustCode(t, "hi", c.Hi(), 201)
	return c
}

// loginCode logs in on a new connection, by token when password is empty,
// and returns the answer's code.
func loginCode(t *testing.T, srv *servertest.Server, login, password, token string) int {
	t.Helper()
	c := freshConn(t, srv)
	defer c.Close()
	if token != "" {
		return c.LoginToken(token).Code()
	}
	return c.Login(login, password).Code()
}

// changePassword sends an {acc} update of the caller's password.
func changePassword(c *servertest.Client, password string) Msg {
	secret := base64.StdEncoding.EncodeToString([]byte(":" + password))
	return request(c, "acc", Msg{"user": "me", "scheme": "basic", "secret": secret})
}

func TestPasswordChangeRevokesTokens(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := servertest.StartIn(t, dir)
	a := srv.Connect(t, "pwchange")
	oldToken := a.Token
	other := freshConn(t, srv)
	mustCode(t, "second login", other.Login("pwchange", "pass123"), 200)
	otherToken := other.Token
	mustCode(t, "other attaches", other.Sub("me"), 200)

	// A rename alone revokes nothing.
	renamed := request(a, "acc", Msg{"user": "me", "scheme": "basic",
		"secret": base64.StdEncoding.EncodeToString([]byte("pwchange2:"))})
	mustCode(t, "rename", renamed, 200)
	if renamed.Get("params.token") != nil {
		t.Errorf("a rename answered with a token: %v", renamed)
	}

	ctrl := changePassword(a, "newpass1")
	mustCode(t, "password change", ctrl, 200)
	newToken, _ := ctrl.Get("params.token").(string)
	if newToken == "" || ctrl.Get("params.expires") == nil || newToken == oldToken {
		t.Fatalf("password change answered %v, want a fresh token and expires", ctrl)
	}
	wantClose(t, "the other session", other, 4001)
	mustCode(t, "the changing session keeps working", a.Sub("me"), 200)

	check := func(when string) {
		t.Helper()
		for _, c := range []struct {
			what                   string
			login, password, token string
			code                   int
		}{
			{"token from signup", "", "", oldToken, 401},
			{"other session's token", "", "", otherToken, 401},
			{"old password", "pwchange2", "pass123", "", 401},
			{"new token", "", "", newToken, 200},
			{"new password", "pwchange2", "newpass1", "", 200},
		} {
			if got := loginCode(t, srv, c.login, c.password, c.token); got != c.code {
				t.Errorf("%s: login with the %s answered %d, want %d", when, c.what, got, c.code)
			}
		}
	}
	check("before the restart")
	a.Close()
	srv.Stop()
	srv = servertest.StartIn(t, dir)
	check("after the restart")
}

// delFixture is a user about to delete their account with everything the
// deletion touches: a group they own, a group they joined, a one-to-one
// topic, and the people on the other side.
type delFixture struct {
	gone, peer, member, owner *servertest.Client
	owned, joined             string
}

func newDelFixture(t *testing.T, srv *servertest.Server) *delFixture {
	t.Helper()
	f := &delFixture{gone: srv.Connect(t, "leaving"), peer: anon(t, srv), member: anon(t, srv), owner: anon(t, srv)}
	f.owned = group(t, f.gone, f.member)
	f.joined = group(t, f.owner, f.gone, f.member)
	p2p(t, f.gone, f.peer)
	mustCode(t, "pub p2p", f.gone.Pub(f.peer.User, "hello peer", ""), 202)
	mustCode(t, "pub joined", f.gone.Pub(f.joined, "hello group", ""), 202)
	mustCode(t, "peer on me", f.peer.Sub("me"), 200)
	mustCode(t, "member on me", f.member.Sub("me"), 200)
	return f
}

// expectAll reads frames until every match has been seen once.
func expectAll(t *testing.T, c *servertest.Client, matches map[string]func(Msg) bool) {
	t.Helper()
	for len(matches) > 0 {
		c.Until("any of the expected frames", func(m Msg) bool {
			for name, match := range matches {
				if match(m) {
					delete(matches, name)
					return true
				}
			}
			return false
		})
	}
}

func pres(topic, src, what string) func(Msg) bool {
	return func(m Msg) bool {
		return m.Get("pres.topic") == topic && m.Get("pres.src") == src && m.Get("pres.what") == what
	}
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := servertest.StartIn(t, dir)
	f := newDelFixture(t, srv)
	goneUser, goneToken := f.gone.User, f.gone.Token
	second := freshConn(t, srv)
	mustCode(t, "second session", second.LoginToken(goneToken), 200)

	mustCode(t, "del someone else", request(f.peer, "del", Msg{"what": "user", "user": goneUser}), 403)
	mustCode(t, "del user", request(f.gone, "del", Msg{"what": "user", "user": goneUser, "hard": true}), 200)
	wantClose(t, "the deleting session", f.gone, 4004)
	wantClose(t, "the user's other session", second, 4004)

	expectAll(t, f.member, map[string]func(Msg) bool{
		"evicted from the owned group": func(m Msg) bool { return m.Get("ctrl.topic") == f.owned && m.Int("ctrl.code") == 205 },
		"owned group gone":             pres("me", f.owned, "gone"),
		"left the joined group":        pres(f.joined, goneUser, "acs"),
	})
	expectAll(t, f.peer, map[string]func(Msg) bool{
		"left the p2p topic": pres(goneUser, goneUser, "acs"),
		"peer gone on me":    pres("me", goneUser, "gone"),
	})

	if got := loginCode(t, srv, "leaving", "pass123", ""); got != 401 {
		t.Errorf("login of the deleted user = %d, want 401", got)
	}
	if got := loginCode(t, srv, "", "", goneToken); got != 401 {
		t.Errorf("token of the deleted user = %d, want 401", got)
	}
	reborn := freshConn(t, srv)
	mustCode(t, "signup with the freed login", reborn.Signup("leaving", "other123"), 200)
	if reborn.User == goneUser {
		t.Errorf("the new account reused the deleted id %s", goneUser)
	}
	reborn.Close()
	checkAfterDelete(t, srv, f, goneUser)

	srv.Stop()
	srv = servertest.StartIn(t, dir)
	if got := loginCode(t, srv, "", "", goneToken); got != 401 {
		t.Errorf("after a restart, token of the deleted user = %d, want 401", got)
	}
	f.peer = reconnect(t, srv, f.peer)
	f.member = reconnect(t, srv, f.member)
	checkAfterDelete(t, srv, f, goneUser)
}

// reconnect logs c's user in again on a new connection.
func reconnect(t *testing.T, srv *servertest.Server, c *servertest.Client) *servertest.Client {
	t.Helper()
	n := freshConn(t, srv)
	mustCode(t, "token login", n.LoginToken(c.Token), 200)
	return n
}

// checkAfterDelete checks what the others see of a deleted user: the
// history stays, the account is gone.
func checkAfterDelete(t *testing.T, srv *servertest.Server, f *delFixture, goneUser string) {
	t.Helper()
	if code := f.peer.Sub(goneUser).Code(); code != 200 && code != 304 {
		t.Fatalf("peer attaching to the p2p topic: %d", code)
	}
	id := get(f.peer, goneUser, "desc")
	if desc := wantMeta(t, "peer's desc", f.peer, id).Obj("desc"); desc["state"] != "del" || desc["public"] != nil {
		t.Errorf("desc of a deleted peer = %v, want state del and no public", desc)
	}
	wantHistory(t, f.peer, goneUser, "hello peer", goneUser)
	if code := f.member.Sub(f.joined).Code(); code != 200 && code != 304 {
		t.Fatalf("member attaching to the joined group: %d", code)
	}
	wantHistory(t, f.member, f.joined, "hello group", goneUser)
	if code := f.member.Sub(f.owned).Code(); code != 404 {
		t.Errorf("sub to the deleted user's group = %d, want 404", code)
	}
	outsider := anon(t, srv)
	wantCtrl(t, "outsider's desc", outsider, get(outsider, goneUser, "desc"), 404)
	mustCode(t, "outsider's sub", outsider.Sub(goneUser), 404)
	outsider.Close()
}

// wantHistory fails unless topic's history holds seq 1 with content from.
func wantHistory(t *testing.T, c *servertest.Client, topic, content, from string) {
	t.Helper()
	id := get(c, topic, "data")
	m := c.Until("data", func(m Msg) bool { return m["data"] != nil || m.Get("ctrl.id") == id })
	if m.Get("data.content") != content || m.Get("data.from") != from {
		t.Errorf("history of %s: %v, want %q from %s", topic, m, content, from)
	}
}

func TestDeleteAnonymousUser(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a := anon(t, srv)
	mustCode(t, "sub me", a.Sub("me"), 200)
	mustCode(t, "del user", request(a, "del", Msg{"what": "user"}), 200)
	wantClose(t, "the deleting session", a, 4004)
	if got := loginCode(t, srv, "", "", a.Token); got != 401 {
		t.Errorf("token of the deleted anonymous user = %d, want 401", got)
	}
	c := freshConn(t, srv)
	mustCode(t, "del user before login", request(c, "del", Msg{"what": "user"}), 401)
}

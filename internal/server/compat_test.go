package server_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// These tests cover what Tinode clients do beyond the basic flows: get on
// topics they are not attached to, and searching users and groups by tag
// through fnd. Account updates are in testdata/wire/accupdate.txt.

// answer reads frames until a meta or ctrl with id arrives.
func answer(c *servertest.Client, id string) Msg {
	return c.Until("answer "+id, func(m Msg) bool { return m.Get("meta.id") == id || m.Get("ctrl.id") == id })
}

// get sends a get of what on topic and returns its id.
func get(c *servertest.Client, topic, what string) string {
	id := c.ID()
	c.Send(Msg{"get": Msg{"id": id, "topic": topic, "what": what}})
	return id
}

// request sends body as a message of kind with a fresh id and returns the
// ctrl answer.
func request(c *servertest.Client, kind string, body Msg) Msg {
	id := c.ID()
	body["id"] = id
	return c.Request(id, Msg{kind: body})
}

// wantCtrl reads the answer to id and fails unless it is a ctrl with code.
func wantCtrl(t *testing.T, what string, c *servertest.Client, id string, code int) Msg {
	t.Helper()
	m := answer(c, id)
	mustCode(t, what, m.Obj("ctrl"), code)
	return m.Obj("ctrl")
}

// wantMeta reads the answer to id and fails unless it is a meta.
func wantMeta(t *testing.T, what string, c *servertest.Client, id string) Msg {
	t.Helper()
	m := answer(c, id)
	if m["meta"] == nil {
		t.Fatalf("%s: got %v, want a meta", what, m)
	}
	return m.Obj("meta")
}

// subs lists the entries of a meta.sub.
func subs(meta Msg) []Msg {
	list, _ := meta["sub"].([]any)
	out := make([]Msg, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, Msg(m))
	}
	return out
}

func TestPeekP2P(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	mustCode(t, "bob's public", request(b, "acc", Msg{"user": "me", "desc": Msg{"public": Msg{"fn": "Bob"}}}), 200)

	// No conversation yet: bob's card with the access bob grants a caller
	// of a's auth level (anonymous), no subscription, no messages.
	id := get(a, b.User, "desc sub data")
	desc := wantMeta(t, "desc", a, id).Obj("desc")
	if desc.Get("public.fn") != "Bob" || desc.Get("acs.mode") != "JRWPASD" || desc.Get("acs.want") != nil ||
		desc["seq"] != nil {
		t.Errorf("outsider's desc of a user: %v", desc)
	}
	wantCtrl(t, "sub", a, id, 204)
	wantCtrl(t, "data", a, id, 403)
	wantCtrl(t, "unknown user", a, get(a, "usrAQIDBAUGBwg", "desc"), 404)

	// A member not attached gets the full description and only their own
	// subscription, and is still not attached.
	p2p(t, a, b)
	mustCode(t, "pub", a.Pub(b.User, "hi", ""), 202)
	mustCode(t, "leave", request(a, "leave", Msg{"topic": b.User}), 200)
	id = get(a, b.User, "desc sub")
	desc = wantMeta(t, "member's desc", a, id).Obj("desc")
	if desc.Get("acs.mode") == nil || desc.Int("seq") != 1 || desc.Get("public.fn") != "Bob" {
		t.Errorf("member's desc: %v", desc)
	}
	list := subs(wantMeta(t, "member's sub", a, id))
	if len(list) != 1 || list[0]["user"] != a.User {
		t.Errorf("member not attached sees subs %v, want only their own", list)
	}
	wantCtrl(t, "data", a, get(a, b.User, "data"), 403)
	mustCode(t, "pub while detached", a.Pub(b.User, "again", ""), 409)
}

func TestPeekGroup(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	owner, member, outsider := anon(t, srv), anon(t, srv), anon(t, srv)
	g := group(t, owner, member)
	mustCode(t, "set public", request(owner, "set", Msg{"topic": g, "desc": Msg{"public": Msg{"fn": "Team"}},
		"tags": []string{"team"}}), 200)
	mustCode(t, "set private", request(member, "set", Msg{"topic": g, "desc": Msg{"private": "mine"}}), 200)
	mustCode(t, "leave", request(member, "leave", Msg{"topic": g}), 200)

	id := get(member, g, "desc sub tags")
	desc := wantMeta(t, "member's desc", member, id).Obj("desc")
	if desc.Get("acs.mode") == nil || desc["private"] != "mine" || desc.Get("public.fn") != "Team" {
		t.Errorf("member's desc: %v", desc)
	}
	if list := subs(wantMeta(t, "member's sub", member, id)); len(list) != 1 || list[0]["user"] != member.User {
		t.Errorf("member's subs: %v", list)
	}
	wantMeta(t, "member's tags", member, id)

	id = get(outsider, g, "desc sub tags")
	desc = wantMeta(t, "outsider's desc", outsider, id).Obj("desc")
	if desc["acs"] != nil || desc["private"] != nil || desc.Get("public.fn") != "Team" || desc.Get("defacs.auth") != "JRWPS" {
		t.Errorf("outsider's desc: %v", desc)
	}
	wantCtrl(t, "outsider's sub", outsider, id, 204)
	wantCtrl(t, "outsider's tags", outsider, id, 204)

	wantCtrl(t, "unknown group", outsider, get(outsider, "grpAQIDBAUGBwg", "desc"), 404)
	wantCtrl(t, "new name", outsider, get(outsider, "new1", "desc"), 404)
	wantCtrl(t, "bad name", outsider, get(outsider, "xyz", "desc"), 404)
}

// search sets the fnd query of c (fnd not attached) and returns the
// users and topics found, or nil for ctrl 204.
func search(t *testing.T, c *servertest.Client, query string) []Msg {
	t.Helper()
	mustCode(t, "set fnd", request(c, "set", Msg{"topic": "fnd", "desc": Msg{"public": query}}), 200)
	id := get(c, "fnd", "sub")
	m := answer(c, id)
	if ctrl := m.Obj("ctrl"); ctrl != nil {
		mustCode(t, "fnd sub", ctrl, 204)
		return nil
	}
	return subs(m.Obj("meta"))
}

// names lists who a search found: user ids and topic names, sorted.
func names(found []Msg) []string {
	var out []string
	for _, e := range found {
		if u, _ := e["user"].(string); u != "" {
			out = append(out, u)
		} else {
			out = append(out, fmt.Sprint(e["topic"]))
		}
	}
	slices.Sort(out)
	return out
}

func TestFndSearch(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	const login = "finder" // a server of its own: the login is free
	alice := srv.Connect(t, login)
	b, c, owner, searcher := anon(t, srv), anon(t, srv), anon(t, srv), anon(t, srv)

	// Tags set on me (attached), by acc, and on a new group; the searcher
	// carries the tag too, and is left out of its own results.
	mustCode(t, "b sub me", b.Sub("me"), 200)
	mustCode(t, "b tags", request(b, "set", Msg{"topic": "me", "tags": []string{"Support", "EN"}}), 200)
	if tags := wantMeta(t, "b tags", b, get(b, "me", "tags"))["tags"]; fmt.Sprint(tags) != "[support en]" {
		t.Errorf("tags on me = %v, want lowercased [support en]", tags)
	}
	mustCode(t, "c tags", request(c, "acc", Msg{"user": "me", "tags": []string{"support"},
		"desc": Msg{"public": Msg{"fn": "Carol"}}}), 200)
	mustCode(t, "searcher tags", request(searcher, "acc", Msg{"user": "me", "tags": []string{"support"}}), 200)
	ctrl := request(owner, "sub", Msg{"topic": "new1", "set": Msg{"tags": []string{"SUPPORT"},
		"desc": Msg{"public": Msg{"fn": "Helpdesk"}}}})
	mustCode(t, "group", ctrl, 200)
	g, _ := ctrl["topic"].(string)

	found := search(t, searcher, "support")
	want := []string{b.User, c.User, g}
	slices.Sort(want)
	if got := names(found); !slices.Equal(got, want) {
		t.Fatalf("search support = %v, want %v", got, want)
	}
	for _, e := range found {
		if fmt.Sprint(e["private"]) != "[support]" {
			t.Errorf("entry %v: private should list the matched tags", e)
		}
		if e["user"] == c.User && e.Get("public.fn") != "Carol" || e["topic"] == g && e.Get("public.fn") != "Helpdesk" {
			t.Errorf("entry %v: wrong public", e)
		}
	}

	// By login: the bare login stands for the basic: alias.
	found = search(t, searcher, "Nobody, "+login)
	if len(found) != 1 || found[0]["user"] != alice.User || fmt.Sprint(found[0]["private"]) != "[basic:"+login+"]" {
		t.Errorf("search by login: %v", found)
	}
	if found := search(t, searcher, ""); found != nil {
		t.Errorf("empty query found %v", names(found))
	}

	// Tags changed are searched as changed; an attached fnd works the same.
	mustCode(t, "b retags", request(b, "set", Msg{"topic": "me", "tags": []string{"other"}}), 200)
	mustCode(t, "searcher sub fnd", searcher.Sub("fnd"), 200)
	if got := names(search(t, searcher, "support other")); !slices.Equal(got, want) {
		t.Errorf("after retagging: %v, want %v", got, want)
	}
	if got := names(search(t, searcher, "support")); slices.Contains(got, b.User) {
		t.Errorf("old tag still finds b: %v", got)
	}
}

// A search returns at most 50 entries.
func TestFndSearchCap(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	const users = 52
	var last *servertest.Client
	for range users {
		c := srv.Dial(t)
		c.Hi()
		id := c.ID()
		mustCode(t, "signup", c.Request(id, Msg{"acc": Msg{"id": id, "user": "new", "scheme": "anonymous",
			"login": true, "tags": []string{"crowd"}}}), 200)
		last = c
	}
	if found := search(t, last, "crowd"); len(found) != 50 {
		t.Errorf("search found %d entries, want the cap of 50", len(found))
	}
}

// Credentials (email, phone) are not kept: adding one is refused with 501,
// never acknowledged as if stored; asking for them answers 204.
func TestCredentialsNotImplemented(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a := anon(t, srv)
	mustCode(t, "sub me", a.Sub("me"), 200)
	mustCode(t, "set cred", request(a, "set", Msg{"topic": "me",
		"cred": Msg{"meth": "email", "val": "a@example.com"}}), 501)
	mustCode(t, "del cred", request(a, "del", Msg{"topic": "me", "what": "cred",
		"cred": Msg{"meth": "email", "val": "a@example.com"}}), 501)
	wantCtrl(t, "get cred", a, get(a, "me", "cred"), 204)
}

package server_test

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// The tests of this file do not run in parallel: they are short, and the
// package's parallel tests include TestSlowConsumer, whose writer gives up
// (and fails the test) when a busy machine stretches its run past the 10 s
// write timeout.

// getData asks for messages with opts and returns the seqs that came
// before the closing ctrl, and that ctrl's code.
func getData(t *testing.T, c *servertest.Client, topic string, opts Msg) ([]int, int) {
	t.Helper()
	id := c.ID()
	c.Send(Msg{"get": Msg{"id": id, "topic": topic, "what": "data", "data": opts}})
	var seqs []int
	for {
		m := c.Read()
		if m["data"] != nil {
			seqs = append(seqs, m.Int("data.seq"))
			continue
		}
		if m.Get("ctrl.id") == id {
			return seqs, m.Obj("ctrl").Code()
		}
	}
}

// A range whose hi is not above its low selects nothing (hi is exclusive;
// only an absent hi means "just low"). Such ranges used to be dropped,
// leaving a query without ranges that returned the whole history.
func TestGetDataEmptyRanges(t *testing.T) {
	srv := servertest.Start(t)
	owner := anon(t, srv)
	name := group(t, owner)
	for seq := 1; seq <= 3; seq++ {
		mustCode(t, "pub", owner.Pub(name, "m", ""), 202)
		owner.Until("data", isData(seq))
	}
	for _, tc := range []struct {
		ranges []Msg
		want   []int
	}{
		{[]Msg{{"low": 2, "hi": 2}}, nil},
		{[]Msg{{"low": 9, "hi": 9}}, nil},
		{[]Msg{{"low": 3, "hi": 1}}, nil},
		{[]Msg{{"low": 2}}, []int{2}},
		{[]Msg{{"low": 2, "hi": 2}, {"low": 1, "hi": 2}}, []int{1}},
	} {
		seqs, code := getData(t, owner, name, Msg{"ranges": tc.ranges})
		wantCode := 208
		if tc.want == nil {
			wantCode = 204
		}
		if code != wantCode || len(seqs) != len(tc.want) || (len(seqs) > 0 && seqs[0] != tc.want[0]) {
			t.Errorf("ranges %v: got seqs %v and code %d, want %v and %d", tc.ranges, seqs, code, tc.want, wantCode)
		}
	}
}

// signupAnon opens a session with an anonymous account whose default
// access is defacs.
func signupAnon(t *testing.T, srv *servertest.Server, defacs Msg) (*servertest.Client, Msg) {
	t.Helper()
	c := srv.Dial(t)
	c.Hi()
	id := c.ID()
	ctrl := c.Request(id, Msg{"acc": Msg{"id": id, "user": "new", "scheme": "anonymous", "login": true,
		"desc": Msg{"defacs": defacs}}})
	mustCode(t, "anonymous signup", ctrl, 200)
	c.User, _ = ctrl.Get("params.user").(string)
	return c, ctrl
}

// requestAs sends one client message of kind with a fresh id and returns the
// ctrl answering it.
func requestAs(c *servertest.Client, kind string, body Msg) Msg {
	id := c.ID()
	body["id"] = id
	return c.Request(id, Msg{kind: body})
}

// In a one-to-one topic the caller is given the peer's default for the
// caller's auth level: anonymous callers the anon default, authenticated
// ones the auth default. A default without J refuses the sub (403) and
// creates nothing. Anonymous callers used to get the auth default.
func TestP2PDefaultByAuthLevel(t *testing.T) {
	srv := servertest.Start(t)
	readOnly, _ := signupAnon(t, srv, Msg{"auth": "JRWPAD", "anon": "JR"})
	closed, _ := signupAnon(t, srv, Msg{"auth": "JRWPAD", "anon": "N"})
	noAuth, _ := signupAnon(t, srv, Msg{"auth": "N", "anon": "JRWPAD"})
	caller := anon(t, srv)

	ctrl := caller.Sub(readOnly.User)
	mustCode(t, "sub to the read-only peer", ctrl, 200)
	if got := ctrl.Get("params.acs.given"); got != "JR" {
		t.Errorf("anonymous caller given %v, want the peer's anon default JR", got)
	}
	mustCode(t, "pub where the anon default has no W", caller.Pub(readOnly.User, "hi", ""), 403)

	mustCode(t, "sub to a peer closed to anonymous callers", caller.Sub(closed.User), 403)
	mustCode(t, "pub after the refused sub", caller.Pub(closed.User, "hi", ""), 409)
	mustCode(t, "peer's me", closed.Sub("me"), 200)
	if c := wantTopics(t, closed); c != 204 {
		t.Errorf("the refused sub left the peer a topic (get sub on me: %d)", c)
	}

	// An authenticated caller gets the auth default, whatever the anon one.
	member := srv.Connect(t, "member")
	mustCode(t, "authenticated sub where auth is N", member.Sub(noAuth.User), 403)
	ctrl = member.Sub(closed.User)
	mustCode(t, "authenticated sub", ctrl, 200)
	if got := ctrl.Get("params.acs.given"); got != "JRWPAD" {
		t.Errorf("authenticated caller given %v, want the auth default JRWPAD", got)
	}
}

// wantTopics asks c's "me" for its topics and returns the closing code:
// 204 when there are none.
func wantTopics(t *testing.T, c *servertest.Client) int {
	t.Helper()
	id := c.ID()
	c.Send(Msg{"get": Msg{"id": id, "topic": "me", "what": "sub"}})
	m := c.Until("get sub", func(m Msg) bool { return m.Get("ctrl.id") == id || m.Get("meta.id") == id })
	if m["meta"] != nil {
		return 200
	}
	return m.Obj("ctrl").Code()
}

// Signup keeps no O in the account's defaults: nobody owns another user's
// one-to-one topic.
func TestSignupStripsOwnerFromDefaults(t *testing.T) {
	srv := servertest.Start(t)
	_, ctrl := signupAnon(t, srv, Msg{"auth": "JRWPASDO", "anon": "JRO"})
	if auth, anon := ctrl.Get("params.desc.defacs.auth"), ctrl.Get("params.desc.defacs.anon"); auth != "JRWPASD" || anon != "JR" {
		t.Errorf("signup defacs = %v/%v, want JRWPASD/JR", auth, anon)
	}
}

// The desc of a user the caller has no conversation with carries acs.mode,
// the peer's default for the caller's auth level (Tinode's web app enables
// its input from it); once a subscription exists, want, given and mode.
func TestPeerDescAccess(t *testing.T) {
	srv := servertest.Start(t)
	closed, _ := signupAnon(t, srv, Msg{"auth": "JRWPAD", "anon": "N"})
	readOnly, _ := signupAnon(t, srv, Msg{"auth": "JRWPAD", "anon": "JR"})
	caller := anon(t, srv)
	for _, tc := range []struct {
		peer *servertest.Client
		mode string
	}{{closed, "N"}, {readOnly, "JR"}} {
		desc := wantMeta(t, "desc", caller, get(caller, tc.peer.User, "desc")).Obj("desc")
		if desc.Get("acs.mode") != tc.mode || desc.Get("acs.want") != nil || desc.Get("acs.given") != nil {
			t.Errorf("desc of a peer granting %s: %v", tc.mode, desc)
		}
	}
	mustCode(t, "sub", caller.Sub(readOnly.User), 200)
	mustCode(t, "leave", requestAs(caller, "leave", Msg{"topic": readOnly.User}), 200)
	desc := wantMeta(t, "desc", caller, get(caller, readOnly.User, "desc")).Obj("desc")
	if desc.Get("acs.want") != "JRWPAD" || desc.Get("acs.given") != "JR" || desc.Get("acs.mode") != "JR" {
		t.Errorf("desc with a subscription: %v", desc)
	}
}

// A user who blocked a conversation themselves (their want without J, as
// Tinode's web app does it) subscribes again to unblock it: subscribing is
// asking to be in. It used to answer 403 for good, since the want could be
// changed only while attached.
func TestUnblockBySubscribing(t *testing.T) {
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "block", requestAs(a, "set", Msg{"topic": b.User, "sub": Msg{"mode": "-JP"}}), 200)
	mustCode(t, "leave", requestAs(a, "leave", Msg{"topic": b.User}), 200)
	ctrl := a.Sub(b.User)
	mustCode(t, "sub again", ctrl, 200)
	if want, _ := ctrl.Get("params.acs.want").(string); !strings.Contains(want, "J") {
		t.Errorf("want after subscribing again: %v", ctrl)
	}
	mustCode(t, "pub", a.Pub(b.User, "back", ""), 202)
}

// A search tells each found user's and group's default access for the
// searcher's auth level, as get desc does: an anonymous searcher used to
// be told the auth default of users who grant it nothing.
func TestSearchAccessByAuthLevel(t *testing.T) {
	srv := servertest.Start(t)
	found, _ := signupAnon(t, srv, Msg{"auth": "JRWPAD", "anon": "N"})
	mustCode(t, "tags", requestAs(found, "acc", Msg{"user": "me", "tags": []string{"findme"}}), 200)
	searcher := anon(t, srv)
	list := search(t, searcher, "findme")
	if len(list) != 1 || list[0].Get("acs.mode") != "N" {
		t.Fatalf("anonymous search found %v, want one user with acs.mode N", list)
	}
	member := srv.Connect(t, "searcher")
	list = search(t, member, "findme")
	if len(list) != 1 || list[0].Get("acs.mode") != "JRWPAD" {
		t.Fatalf("authenticated search found %v, want one user with acs.mode JRWPAD", list)
	}
}

// In a one-to-one topic the wanted access stays within the p2p mask
// (JRWPAD), as in Tinode: asking for O or S there used to be stored as is.
func TestP2PWantWithinMask(t *testing.T) {
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	ctrl := requestAs(a, "sub", Msg{"topic": b.User, "set": Msg{"sub": Msg{"mode": "JRWPASDO"}}})
	mustCode(t, "sub asking for O", ctrl, 200)
	if want := ctrl.Get("params.acs.want"); want != "JRWPAD" {
		t.Errorf("want = %v, want JRWPAD", want)
	}
}

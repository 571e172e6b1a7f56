package security

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Access control: what a member may give, bans and blocks that stick,
// anonymous callers (docs/security.md, "Access control").

// ask makes one request of kind with a fresh id and returns its ctrl.
func ask(c *servertest.Client, kind string, body msg) servertest.Msg {
	id := c.ID()
	body["id"] = id
	return c.Request(id, msg{kind: body})
}

func wantCode(t *testing.T, what string, ctrl servertest.Msg, code int) {
	t.Helper()
	if ctrl.Code() != code {
		t.Fatalf("%s: got %v, want code %d", what, ctrl, code)
	}
}

// setMode changes user's access on topic ("" user: the caller's own want).
func setMode(c *servertest.Client, topic, user, mode string) servertest.Msg {
	sub := msg{"mode": mode}
	if user != "" {
		sub["user"] = user
	}
	return ask(c, "set", msg{"topic": topic, "sub": sub})
}

// evicted waits for the ctrl 205 that detaches c from topic.
func evicted(c *servertest.Client, topic string) servertest.Msg {
	return c.Until("ctrl 205 on "+topic, func(m servertest.Msg) bool {
		return m.Obj("ctrl").Code() == 205 && m.Get("ctrl.topic") == topic
	}).Obj("ctrl")
}

// The sock puppet of issue 10: a plain member (JRWPS) invites a second
// account of their own with A and D, which then hands A and D back, and
// the member deletes everyone's messages and evicts members. Now nobody
// but the owner gives a bit they do not hold, a member without A names no
// access at all, and O is never given.
func TestSockPuppetEscalation(t *testing.T) {
	p := startServer(t)
	owner, member, puppet, victim := user(t, p, "owner"), user(t, p, "member"), user(t, p, "puppet"), user(t, p, "victim")
	grp, _ := owner.Sub("new1")["topic"].(string)
	for _, c := range []*servertest.Client{member, victim} {
		wantCode(t, "join", c.Sub(grp), 200)
	}
	wantCode(t, "victim's message", victim.Pub(grp, "mine", ""), 202)

	for _, mode := range []string{"JRWPASD", "+AD", "JRWPSO"} {
		wantCode(t, "member invites the puppet with "+mode, setMode(member, grp, puppet.User, mode), 403)
	}
	// Without a mode the invitation is the group's default, bounded by
	// what the member holds; the puppet is in at once.
	wantCode(t, "member invites the puppet", setMode(member, grp, puppet.User, ""), 200)
	wantCode(t, "puppet attaches", puppet.Sub(grp), 200)
	if acs := descOf(puppet, grp).Obj("acs"); acs["given"] != "JRWPS" || acs["mode"] != "JRWPS" {
		t.Fatalf("the puppet's access: %v, want JRWPS given", acs)
	}
	wantCode(t, "puppet gives the member A and D", setMode(puppet, grp, member.User, "+AD"), 403)
	// Wanting more is allowed and changes nothing: the mode is want & given.
	wantCode(t, "member wants A and D", setMode(member, grp, "", "JRWPASD"), 200)
	wantCode(t, "member evicts the victim", ask(member, "del", msg{"topic": grp, "what": "sub", "user": victim.User}), 403)
	wantCode(t, "member hard-deletes", ask(member, "del", msg{"topic": grp, "what": "msg",
		"delseq": []msg{{"low": 1}}, "hard": true}), 200)

	// The hard delete became the member's own soft delete: the victim's
	// message is intact for everyone else.
	id := owner.ID()
	owner.Send(msg{"get": msg{"id": id, "topic": grp, "what": "data"}})
	m := owner.Until("data", func(m servertest.Msg) bool { return m["data"] != nil || m.Get("ctrl.id") == id })
	if m.Get("data.content") != "mine" {
		t.Fatalf("after the member's hard delete the owner reads %v, want the victim's message", m)
	}
	// An approver (A, given by the owner) still adds only bits they hold.
	wantCode(t, "owner makes the member an approver", setMode(owner, grp, member.User, "JRWPSA"), 200)
	wantCode(t, "approver gives the puppet D", setMode(member, grp, puppet.User, "+D"), 403)
	wantCode(t, "approver gives the puppet A", setMode(member, grp, puppet.User, "+A"), 200)
	wantCode(t, "approver touches the owner", setMode(member, grp, owner.User, "-W"), 403)
	wantCode(t, "owner gives O", setMode(owner, grp, member.User, "+O"), 403)
}

// A ban (given access without J) evicts the member's sessions at once, and
// a member held below the default keeps that when leaving: leave
// unsub:true and sub again used to give a fresh subscription with the
// group's default access.
func TestGroupBanSticks(t *testing.T) {
	p := startServer(t)
	owner, banned, muted := user(t, p, "owner"), user(t, p, "banned"), user(t, p, "muted")
	grp, _ := owner.Sub("new1")["topic"].(string)
	wantCode(t, "join", banned.Sub(grp), 200)
	wantCode(t, "join", muted.Sub(grp), 200)

	wantCode(t, "ban", setMode(owner, grp, banned.User, "N"), 200)
	evicted(banned, grp)
	wantCode(t, "banned pub", banned.Pub(grp, "still here", ""), 409)
	wantCode(t, "banned unsub", ask(banned, "leave", msg{"topic": grp, "unsub": true}), 409)
	wantCode(t, "banned sub again", banned.Sub(grp), 403)
	wantCode(t, "banned sub asking for more", ask(banned, "sub", msg{"topic": grp,
		"set": msg{"sub": msg{"mode": "JRWPS"}}}), 403)

	wantCode(t, "mute", setMode(owner, grp, muted.User, "-W"), 200)
	wantCode(t, "muted pub", muted.Pub(grp, "shout", ""), 403)
	wantCode(t, "muted leaves", ask(muted, "leave", msg{"topic": grp, "unsub": true}), 200)
	wantCode(t, "muted comes back", muted.Sub(grp), 200)
	wantCode(t, "muted pub after coming back", muted.Pub(grp, "shout", ""), 403)

	// The owner lifts the ban; the member is in again.
	wantCode(t, "unban", setMode(owner, grp, banned.User, "JRWPS"), 200)
	wantCode(t, "sub after the ban is lifted", banned.Sub(grp), 200)
	wantCode(t, "pub after the ban is lifted", banned.Pub(grp, "back", ""), 202)
}

// A blocked peer in a one-to-one topic (given access without J) is evicted
// and cannot subscribe again, also after leaving; a peer held below the
// default keeps that after leave unsub:true and sub.
func TestP2PBlockSticks(t *testing.T) {
	p := startServer(t)
	alice, bob, carol := user(t, p, "alice"), user(t, p, "bob"), user(t, p, "carol")
	for _, c := range []*servertest.Client{bob, carol} {
		wantCode(t, "sub", alice.Sub(c.User), 200)
		wantCode(t, "peer sub", c.Sub(alice.User), 200)
	}

	wantCode(t, "alice blocks bob", setMode(alice, bob.User, bob.User, "N"), 200)
	evicted(bob, alice.User)
	wantCode(t, "blocked pub", bob.Pub(alice.User, "hello?", ""), 409)
	wantCode(t, "blocked del topic", ask(bob, "del", msg{"topic": alice.User, "what": "topic"}), 409)
	wantCode(t, "blocked sub", bob.Sub(alice.User), 403)

	wantCode(t, "alice mutes carol", setMode(alice, carol.User, carol.User, "-W"), 200)
	wantCode(t, "muted pub", carol.Pub(alice.User, "hey", ""), 403)
	wantCode(t, "muted deletes her side", ask(carol, "del", msg{"topic": alice.User, "what": "topic"}), 200)
	// The record that keeps the restriction is not carol's contact any more.
	wantCode(t, "carol's me", carol.Sub("me"), 200)
	if topics := topicsOf(t, carol); len(topics) != 0 {
		t.Fatalf("carol's topics after deleting her side: %v, want none", topics)
	}
	wantCode(t, "muted sub again", carol.Sub(alice.User), 200)
	wantCode(t, "muted pub after subscribing again", carol.Pub(alice.User, "hey", ""), 403)
}

// An anonymous account gets a user's anon default in a one-to-one topic,
// not the auth one: with the default defacs.anon (N) it cannot reach a
// user at all, and the sub does not attach.
func TestAnonymousCaller(t *testing.T) {
	p := startServer(t)
	target := user(t, p, "target")
	c := dial(t, p)
	c.Hi()
	wantCode(t, "anonymous signup", ask(c, "acc", msg{"user": "new", "scheme": "anonymous", "login": true}), 200)
	wantCode(t, "anonymous sub to a user closed to anonymous callers", c.Sub(target.User), 403)
	wantCode(t, "pub after the refused sub", c.Pub(target.User, "spam", ""), 409)
	if mode := descOf(c, target.User).Get("acs.mode"); mode != "N" {
		t.Fatalf("desc of the target for an anonymous caller: acs.mode %v, want N", mode)
	}
}

// descOf asks for topic's desc and returns it.
func descOf(c *servertest.Client, topic string) servertest.Msg {
	id := c.ID()
	c.Send(msg{"get": msg{"id": id, "topic": topic, "what": "desc"}})
	return c.Until("desc "+id, func(m servertest.Msg) bool { return m.Get("meta.id") == id }).Obj("meta").Obj("desc")
}

// topicsOf lists the topics on c's "me" ("usr…" for one-to-one topics).
func topicsOf(t *testing.T, c *servertest.Client) []string {
	t.Helper()
	id := c.ID()
	c.Send(msg{"get": msg{"id": id, "topic": "me", "what": "sub"}})
	m := c.Until("me subs "+id, func(m servertest.Msg) bool { return m.Get("meta.id") == id || m.Get("ctrl.id") == id })
	var out []string
	list, _ := m.Get("meta.sub").([]any)
	for _, e := range list {
		if topic, ok := e.(map[string]any)["topic"].(string); ok {
			out = append(out, topic)
		}
	}
	return out
}

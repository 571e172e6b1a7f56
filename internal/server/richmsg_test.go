package server_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// pubHead publishes content with head and returns the ctrl answer.
func pubHead(c *servertest.Client, topic string, head Msg, content any) Msg {
	id := c.ID()
	return c.Request(id, Msg{"pub": Msg{"id": id, "topic": topic, "head": head, "content": content}})
}

// An edit is a new message with its own seq naming the one it replaces;
// the peer gets it pushed and finds both versions in history after a
// reconnect, so every device shows the newest. Only the author edits, and
// references must name seqs the topic has.
func TestEditsAndReplies(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "original", pubHead(a, b.User, Msg{"msgid": "m1"}, "helo"), 202)
	edit := pubHead(a, b.User, Msg{"replace": ":1"}, "hello")
	mustCode(t, "edit", edit, 202)
	if edit.Int("params.seq") != 2 {
		t.Fatalf("the edit took seq %d, want 2", edit.Int("params.seq"))
	}
	got := b.Until("data 2", isData(2))
	if got.Get("data.head.replace") != ":1" || got.Get("data.content") != "hello" {
		t.Fatalf("pushed edit: %v", got)
	}
	mustCode(t, "recall", pubHead(a, b.User, Msg{"replace": ":1"}, ""), 202)
	mustCode(t, "reply", pubHead(b, a.User, Msg{"reply": ":1"}, "thanks"), 202)

	for _, tc := range []struct {
		what    string
		c       *servertest.Client
		head    Msg
		content any
		code    int
		text    string
	}{
		{"someone else's edit", b, Msg{"replace": ":1"}, "mine now", 403, "only the author may edit a message"},
		{"edit of a seq never sent", a, Msg{"replace": ":99"}, "x", 400, "malformed"},
		{"reply to a seq never sent", a, Msg{"reply": ":99"}, "x", 400, "malformed"},
		{"reply not a seq", a, Msg{"reply": "1"}, "x", 400, "malformed"},
		{"replace not a string", a, Msg{"replace": 1}, "x", 400, "malformed"},
		{"format span naming no entity", a, nil, Msg{"txt": "x", "fmt": []Msg{{"at": 0, "len": 1, "key": 3}}}, 400, "malformed"},
		{"entity without a type", a, nil, Msg{"txt": " ", "ent": []Msg{{"data": Msg{}}}}, 400, "malformed"},
		{"file ref not attached", a, nil, Msg{"txt": " ", "fmt": []Msg{{"at": -1, "key": 0}},
			"ent": []Msg{{"tp": "EX", "data": Msg{"ref": "/v0/file/s/abcdefghijklmnopqrstuvwxyz.pdf"}}}}, 400, "malformed"},
	} {
		ctrl := pubHead(tc.c, map[*servertest.Client]string{a: b.User, b: a.User}[tc.c], tc.head, tc.content)
		if ctrl.Code() != tc.code || ctrl.Get("text") != tc.text {
			t.Errorf("%s: %v, want %d %q", tc.what, ctrl, tc.code, tc.text)
		}
	}
	// A Drafty document with a link and a mention, and a plain string, are
	// opaque and fine.
	mustCode(t, "drafty", pubHead(a, b.User, nil, Msg{"txt": "see @bob at example.com",
		"fmt": []Msg{{"at": 4, "len": 4, "key": 0}, {"at": 12, "len": 11, "key": 1}},
		"ent": []Msg{{"tp": "MN", "data": Msg{"val": b.User}}, {"tp": "LN", "data": Msg{"url": "https://example.com"}}}}), 202)

	// After a reconnect, history holds the original and its versions in
	// seq order: the device converges on the newest.
	c := srv.Dial(t)
	c.Hi()
	mustCode(t, "login", c.LoginToken(b.Token), 200)
	id := c.ID()
	c.Send(Msg{"sub": Msg{"id": id, "topic": a.User, "get": Msg{"what": "data", "data": Msg{"since": 1}}}})
	// The page (newest first) and the resume push (oldest first) may both
	// bring a seq, in either order: collect by seq.
	bySeq := map[int]Msg{}
	for len(bySeq) < 3 {
		m := c.Until("history", func(m Msg) bool { return m.Int("data.seq") >= 1 && m.Int("data.seq") <= 3 })
		bySeq[m.Int("data.seq")] = m
	}
	want := map[int]any{1: "helo", 2: "hello", 3: ""}
	for seq, content := range want {
		m := bySeq[seq]
		if m.Get("data.content") != content || (seq > 1 && m.Get("data.head.replace") != ":1") {
			t.Errorf("history seq %d: %v, want content %q (replacing :1 from seq 2 on)", seq, m, content)
		}
	}
}

// Past the edit window the author can no longer edit.
func TestEditWindow(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.EditWindow = server.Duration(0) })
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "original", pubHead(a, b.User, nil, "x"), 202)
	ctrl := pubHead(a, b.User, Msg{"replace": ":1"}, "y")
	if ctrl.Code() != 403 || ctrl.Get("text") != "the edit window has passed" {
		t.Fatalf("late edit: %v, want 403 the edit window has passed", ctrl)
	}
}

package security

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	_ "modernc.org/sqlite" // to write into the store behind the server's back

	"github.com/parley-im/parley/internal/server/servertest"
)

// Attacks with bad input (docs/security.md, "Bad input"): text that is not
// UTF-8, requests shaped to break the store's limits, msgids that drive a
// terminal, and made-up positions. Each must get its documented answer, keep
// the server up, and leave no error in its log.

// next reads the next frame from c, failing unless it is valid UTF-8 and
// valid JSON: a frame that is not UTF-8 would make every standards-
// compliant client (browsers, Node's ws, tinode-sdk) drop the connection.
func next(t *testing.T, c *servertest.Client) msg {
	t.Helper()
	b, err := c.ReadFrame()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !utf8.Valid(b) || !json.Valid(b) {
		t.Fatalf("server sent a frame that is not UTF-8 JSON: %q", b)
	}
	var m msg
	json.Unmarshal(b, &m)
	return m
}

// until reads valid frames until match, and returns the matching one.
func until(t *testing.T, c *servertest.Client, what string, match func(msg) bool) msg {
	t.Helper()
	deadline := time.Now().Add(servertest.Timeout)
	for time.Now().Before(deadline) {
		if m := next(t, c); match(m) {
			return m
		}
	}
	t.Fatalf("no %s within %v", what, servertest.Timeout)
	return nil
}

// ctrlOf reads valid frames until the ctrl answering id.
func ctrlOf(t *testing.T, c *servertest.Client, id string) msg {
	t.Helper()
	return until(t, c, "ctrl "+id, func(m msg) bool { return m.Get("ctrl.id") == id }).Obj("ctrl")
}

// send sends v (a client message of kind with body) and returns its id.
func send(c *servertest.Client, kind string, body msg) string {
	id := c.ID()
	body["id"] = id
	c.Send(msg{kind: body})
	return id
}

// want fails unless ctrl has code (and, if text is set, that text).
func want(t *testing.T, what string, ctrl msg, code int, text string) {
	t.Helper()
	if ctrl.Code() != code || (text != "" && ctrl["text"] != text) {
		t.Fatalf("%s answered %v, want %d %s", what, ctrl, code, text)
	}
}

// noErrors fails if the server logged an error: bad input is the client's
// fault, and one log line per request would let a client flood the log.
func noErrors(t *testing.T, p *servertest.Process) {
	t.Helper()
	for _, line := range strings.Split(p.Log(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Fatalf("the server logged an error for bad input: %s", line)
		}
	}
}

// A text frame that is not UTF-8 fails the connection with 1007 before the
// server reads it as a request; the server stays up.
func TestTextFrameNotUTF8Closes1007(t *testing.T) {
	p := startServer(t)
	c := user(t, p, "alice")
	if err := c.SendText([]byte("{\"pub\":{\"id\":\"1\",\"topic\":\"me\",\"content\":\"\xff\"}}")); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := c.ReadFrame()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != 1007 {
				t.Fatalf("closed with %d, want 1007", ce.Code)
			}
			break
		}
		if err != nil {
			t.Fatalf("connection ended with %v, want close 1007", err)
		}
	}
	if code := dial(t, p).Hi().Code(); code != 201 {
		t.Fatalf("after the 1007 close a new client's hi answered %d", code)
	}
	noErrors(t, p)
}

// Content, head and cards that are not UTF-8, or escapes no UTF-8 can hold,
// are refused with 400 "invalid UTF-8" over WebSocket (binary frames reach
// the decoder) and long polling, and nothing of them is stored: the peer's
// history holds only the one good message (issue 10, finding 1).
func TestPoisonMessageIsRefused(t *testing.T) {
	p := startServer(t)
	alice, bob := user(t, p, "alice"), user(t, p, "bob")
	want(t, "sub", alice.Sub(bob.User), 200, "")
	for name, frame := range map[string]string{
		"content":        "{\"pub\":{\"id\":\"x\",\"topic\":\"" + bob.User + "\",\"content\":\"a\xffb\"}}",
		"content object": "{\"pub\":{\"id\":\"x\",\"topic\":\"" + bob.User + "\",\"content\":{\"txt\":\"\xc3\"}}}",
		"head":           "{\"pub\":{\"id\":\"x\",\"topic\":\"" + bob.User + "\",\"head\":{\"mime\":\"\xed\xa0\x80\"},\"content\":\"x\"}}",
		"lone surrogate": `{"pub":{"id":"x","topic":"` + bob.User + `","content":"\udc80"}}`,
		"public":         "{\"set\":{\"id\":\"x\",\"topic\":\"me\",\"desc\":{\"public\":{\"fn\":\"\xfe\"}}}}",
		"private":        "{\"set\":{\"id\":\"x\",\"topic\":\"" + bob.User + "\",\"desc\":{\"private\":{\"c\":\"\x80\"}}}}",
		"trusted":        `{"set":{"id":"x","topic":"me","desc":{"trusted":{"v":"\ud800"}}}}`,
		"acc public":     "{\"acc\":{\"id\":\"x\",\"user\":\"me\",\"desc\":{\"public\":{\"fn\":\"\xff\"}}}}",
	} {
		alice.SendBinary([]byte(frame))
		want(t, name, ctrlOf(t, alice, "x"), 400, "invalid UTF-8")
	}
	want(t, "good pub", alice.Pub(bob.User, "hello", ""), 202, "")

	lp := lpConnect(t, p)
	lp.send(`{"hi":{"id":"1","ver":"0.25"}}`)
	lp.next()
	lp.send("{\"acc\":{\"id\":\"2\",\"user\":\"new\",\"scheme\":\"anonymous\",\"login\":true,\"desc\":{\"public\":{\"fn\":\"\xff\"}}}}")
	if m := lp.next(); m.Int("ctrl.code") != 400 || m.Get("ctrl.id") != "2" || m.Get("ctrl.text") != "invalid UTF-8" {
		t.Fatalf("long polling: a frame that is not UTF-8 answered %v, want ctrl 400", m)
	}

	id := send(bob, "sub", msg{"topic": alice.User, "get": msg{"what": "desc data"}})
	seqs := map[int]bool{} // the page and the resume push may both carry a message
	until(t, bob, "end of bob's history", func(m msg) bool {
		if m.Get("data") != nil {
			seqs[m.Int("data.seq")] = true
		}
		return m.Get("ctrl.id") == id && m.Int("ctrl.code") == 208
	})
	if len(seqs) != 1 {
		t.Fatalf("bob's history holds seqs %v, want only the good message", seqs)
	}
	noErrors(t, p)
}

// lpClient is a long-polling client: one POST per message sent, one empty
// POST per message received.
type lpClient struct {
	t   *testing.T
	url string
}

func lpConnect(t *testing.T, p *servertest.Process) *lpClient {
	t.Helper()
	base := "http://" + p.Addr + "/v0/channels/lp"
	c := &lpClient{t: t, url: base}
	code, body := c.post("")
	var m msg
	json.Unmarshal(body, &m)
	sid, _ := m.Get("ctrl.params.sid").(string)
	if code != http.StatusCreated || sid == "" {
		t.Fatalf("long polling create: HTTP %d %s", code, body)
	}
	c.url = base + "?sid=" + sid
	return c
}

func (c *lpClient) post(body string) (int, []byte) {
	c.t.Helper()
	client := &http.Client{Timeout: servertest.Timeout}
	resp, err := client.Post(c.url, "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *lpClient) send(frame string) {
	c.t.Helper()
	if code, body := c.post(frame); code != http.StatusNoContent {
		c.t.Fatalf("long polling send: HTTP %d %s", code, body)
	}
}

// next polls until a message comes, failing unless it is UTF-8 JSON.
func (c *lpClient) next() msg {
	c.t.Helper()
	deadline := time.Now().Add(servertest.Timeout)
	for time.Now().Before(deadline) {
		code, body := c.post("")
		if code == http.StatusNoContent {
			continue
		}
		if code != http.StatusOK || !utf8.Valid(body) || !json.Valid(body) {
			c.t.Fatalf("long polling poll: HTTP %d %q", code, body)
		}
		var m msg
		json.Unmarshal(body, &m)
		return m
	}
	c.t.Fatal("long polling: no message within the deadline")
	return nil
}

// A requests that breaks a limit of the store or of bcrypt is a documented
// 4xx, not a 500 with an error log line per request (issue 10, findings 13,
// 14 and 15).
func TestDegenerateRequestsAre4xx(t *testing.T) {
	p := startServer(t)
	alice, bob := user(t, p, "alice"), user(t, p, "bob")
	want(t, "sub", alice.Sub(bob.User), 200, "")
	want(t, "pub", alice.Pub(bob.User, "hello", ""), 202, "")

	c := dial(t, p)
	c.Hi()
	want(t, "signup with a 73-byte password", c.Signup("carol", strings.Repeat("p", 73)), 422, "")
	want(t, "signup with a 72-byte password", c.Signup("carol", strings.Repeat("p", 72)), 200, "")

	ranges := make([]msg, 1000)
	for i := range ranges {
		ranges[i] = msg{"low": 1}
	}
	id := send(alice, "get", msg{"topic": bob.User, "what": "data", "data": msg{"ranges": ranges}})
	want(t, "get data with 1000 ranges", ctrlOf(t, alice, id), 400, "")
	id = send(alice, "del", msg{"topic": bob.User, "what": "msg", "hard": true,
		"delseq": []msg{{"low": 1, "hi": 1<<62 + 1}, {"low": 1, "hi": 1<<62 + 1}}})
	want(t, "del msg of two 2^62 ranges", ctrlOf(t, alice, id), 400, "")

	var terms strings.Builder
	for i := range 16000 {
		fmt.Fprintf(&terms, "t%d ", i)
	}
	id = send(alice, "set", msg{"topic": "fnd", "desc": msg{"public": terms.String()}})
	want(t, "fnd query of 16000 terms", ctrlOf(t, alice, id), 400, "")
	tags := make([]string, 10000)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%d", i)
	}
	id = send(alice, "acc", msg{"user": "me", "tags": tags})
	want(t, "set of 10000 tags (kept: the first 16 distinct)", ctrlOf(t, alice, id), 200, "")

	for _, msgid := range []string{"a\x1b]0;owned\a", "rtl\u202egnp.exe"} {
		want(t, "pub with msgid "+msgid, alice.Pub(bob.User, "x", msgid), 400, "")
	}
	if code := dial(t, p).Hi().Code(); code != 201 {
		t.Fatalf("after the attacks a new client's hi answered %d", code)
	}
	noErrors(t, p)
}

// One note with seq 2^63−1 pinned the highest reported position, so no
// later report could renew the topic's epoch (issue 10, finding 16). It is
// ignored now, and a real report beyond the latest seq still renews it.
func TestMadeUpPositionDoesNotPinEpoch(t *testing.T) {
	p := startServer(t)
	alice, bob := user(t, p, "alice"), user(t, p, "bob")
	want(t, "sub", alice.Sub(bob.User), 200, "")
	want(t, "pub", alice.Pub(bob.User, "hello", ""), 202, "")
	alice.Send(msg{"note": msg{"topic": bob.User, "what": "recv", "seq": math.MaxInt64}})
	id := send(alice, "get", msg{"topic": bob.User, "what": "desc"})
	until(t, alice, "desc", func(m msg) bool {
		if m.Get("pres.what") == "upd" {
			t.Fatalf("a report of 2^63-1 renewed the epoch: %v", m)
		}
		return m.Get("meta.id") == id
	})
	alice.Send(msg{"note": msg{"topic": bob.User, "what": "recv", "seq": 10}})
	until(t, alice, "pres upd epoch", func(m msg) bool {
		return m.Get("pres.what") == "upd" && m.Get("pres.epoch") != nil
	})
}

// Whatever an older version stored, or someone wrote around the server,
// nothing a reader is sent may be anything but UTF-8 JSON: bytes that are
// not UTF-8 are written directly into the store, and a reader gets them as
// U+FFFD in history, in the resume push and in profile cards.
func TestStoredPoisonReachesNoReader(t *testing.T) {
	p := startServer(t)
	alice, bob := user(t, p, "alice"), user(t, p, "bob")
	want(t, "sub", alice.Sub(bob.User), 200, "")
	want(t, "pub", alice.Pub(bob.User, "hello", "m1"), 202, "")
	p.Terminate()
	poisonStore(t, filepath.Join(p.Dir, "parley.db"))

	p = servertest.StartProcess(t, p.Dir)
	c := dial(t, p)
	c.Hi()
	want(t, "login", c.Login("bob", "pass123"), 200, "")
	// Cards: the peer's, before attaching; the user's topics on me.
	id := send(c, "get", msg{"topic": alice.User, "what": "desc"})
	card := until(t, c, "alice's card", func(m msg) bool { return m.Get("meta.id") == id })
	if fn, _ := card.Get("meta.desc.public.fn").(string); fn != "\uFFFD" {
		t.Fatalf("alice's card %v, want public.fn U+FFFD", card)
	}
	id = send(c, "sub", msg{"topic": "me", "get": msg{"what": "desc sub"}})
	until(t, c, "bob's topics", func(m msg) bool { return m.Get("meta.id") == id && m.Get("meta.sub") != nil })
	// Resume: attaching pushes what bob has not acknowledged.
	c.Send(msg{"sub": msg{"id": c.ID(), "topic": alice.User}})
	pushed := until(t, c, "the resume push", func(m msg) bool { return m.Get("data") != nil })
	if got := pushed.Get("data.content"); got != "a\uFFFDb" {
		t.Fatalf("resumed message %v, want content a\\uFFFDb", pushed)
	}
	// History.
	id = send(c, "get", msg{"topic": alice.User, "what": "data"})
	until(t, c, "the history page", func(m msg) bool { return m.Get("ctrl.id") == id && m.Int("ctrl.code") == 208 })
}

// poisonStore writes bytes that are not UTF-8 into every stored field a
// reader is later sent: message content and head, users' cards, topics'
// cards and members' private data.
func poisonStore(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`UPDATE messages SET content = CAST(X'2261FF6222' AS TEXT), head = CAST(X'7B226D696D65223A22FF227D' AS TEXT)`,
		`UPDATE users SET public = CAST(X'7B22666E223A22C3227D' AS TEXT), trusted = CAST(X'7B2276223A22FE227D' AS TEXT)`,
		`UPDATE topics SET public = CAST(X'7B22666E223A22F8227D' AS TEXT), trusted = CAST(X'7B2276223A22FE227D' AS TEXT)`,
		`UPDATE subscriptions SET private = CAST(X'22FE22' AS TEXT)`,
	} {
		res, err := db.Exec(stmt)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed nothing", stmt)
		}
	}
}

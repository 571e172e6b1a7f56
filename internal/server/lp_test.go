package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// lpClient is a long-polling client: one POST per message sent, one empty
// POST per message received.
type lpClient struct {
	t    *testing.T
	base string
	sid  string
}

// lpConnect creates a long-polling session: HTTP 201 with params.sid.
func lpConnect(t *testing.T, srv *servertest.Server) *lpClient {
	t.Helper()
	c := &lpClient{t: t, base: "http://" + srv.Addr + "/v0/channels/lp"}
	code, body := c.post(c.base, "")
	if code != http.StatusCreated {
		t.Fatalf("create: HTTP %d %s", code, body)
	}
	m := decodeMsg(t, body)
	c.sid, _ = m.Get("ctrl.params.sid").(string)
	if c.sid == "" || m.Int("ctrl.code") != 201 {
		t.Fatalf("create: %s", body)
	}
	return c
}

func (c *lpClient) post(url, body string) (int, string) {
	c.t.Helper()
	client := &http.Client{Timeout: servertest.Timeout}
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("POST %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

func (c *lpClient) url() string { return c.base + "?sid=" + c.sid + "&apikey=undefined" }

// send posts one client message.
func (c *lpClient) send(v Msg) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if code, body := c.post(c.url(), string(b)); code >= 300 {
		c.t.Fatalf("send: HTTP %d %s", code, body)
	}
}

// poll returns the next server message, or nil when the poll timed out.
func (c *lpClient) poll() Msg {
	c.t.Helper()
	code, body := c.post(c.url(), "")
	switch code {
	case http.StatusOK:
		return decodeMsg(c.t, body)
	case http.StatusNoContent:
		return nil
	}
	c.t.Fatalf("poll: HTTP %d %s", code, body)
	return nil
}

// next polls until a message comes.
func (c *lpClient) next() Msg {
	c.t.Helper()
	deadline := time.Now().Add(servertest.Timeout)
	for time.Now().Before(deadline) {
		if m := c.poll(); m != nil {
			return m
		}
	}
	c.t.Fatal("no message within the deadline")
	return nil
}

func decodeMsg(t *testing.T, body string) Msg {
	t.Helper()
	var m Msg
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON message: %q", body)
	}
	return m
}

// Long polling: a session per first POST, a message per POST with a body,
// one server message per empty POST, 204 when none came in time.
func TestLongPolling(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.IdleTimeout = server.Duration(2 * time.Second) })
	lp := lpConnect(t, srv)

	lp.send(Msg{"hi": Msg{"id": "1", "ver": "0.25.3"}})
	hi := lp.next().Obj("ctrl")
	if hi.Get("id") != "1" || hi.Code() != 200 || hi.Get("params.ver") != "0.25" {
		t.Fatalf("hi over long polling: %v, want 200 with params", hi)
	}
	lp.send(Msg{"acc": Msg{"id": "2", "user": "new", "scheme": "anonymous", "login": true}})
	acc := lp.next().Obj("ctrl")
	mustCode(t, "signup", acc, 200)
	user, _ := acc.Get("params.user").(string)

	// Nothing to say: the poll ends empty.
	if m := lp.poll(); m != nil {
		t.Fatalf("idle poll returned %v", m)
	}

	// A conversation with a WebSocket user; each reply takes its own poll.
	ws := anon(t, srv)
	lp.send(Msg{"sub": Msg{"id": "3", "topic": ws.User}})
	mustCode(t, "sub", lp.next().Obj("ctrl"), 200)
	mustCode(t, "ws sub", ws.Sub(user), 200)
	mustCode(t, "ws pub", ws.Pub(user, "to lp", ""), 202)
	if d := lp.next().Obj("data"); d["content"] != "to lp" || d["topic"] != ws.User {
		t.Fatalf("lp got %v", d)
	}
	lp.send(Msg{"pub": Msg{"id": "4", "topic": ws.User, "content": "from lp"}})
	ack := lp.next().Obj("ctrl")
	if ack.Code() != 202 || ack.Int("params.seq") != 2 {
		t.Fatalf("lp pub ack: %v", ack)
	}
	if d := lp.next().Obj("data"); d["content"] != "from lp" {
		t.Fatalf("lp echo: %v", d)
	}
	if d := ws.Until("data", isData(2)).Obj("data"); d["content"] != "from lp" || d["from"] != user {
		t.Fatalf("ws got %v", d)
	}

	// A session that does not exist.
	bad := &lpClient{t: t, base: lp.base, sid: "nope"}
	code, body := bad.post(bad.url(), "")
	if code != http.StatusNotFound {
		t.Fatalf("unknown sid: HTTP %d, want 404", code)
	}
	// A {ctrl} a Tinode client can read, not plain text.
	if ctrl := decodeMsg(t, body).Obj("ctrl"); ctrl.Code() != 404 || ctrl.Get("text") != "unknown session" {
		t.Fatalf("unknown sid answered %q, want a ctrl 404", body)
	}
}

// Long-polling clients send each message in its own request, and those may
// overlap. The session must still see them one at a time: of concurrent
// first his, exactly one opens the session (the one answered with params),
// and the race detector sees no unguarded state.
func TestLongPollingConcurrentSends(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	const rounds, n = 8, 16
	for r := 0; r < rounds; r++ {
		lp := lpConnect(t, srv)
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				body := `{"hi":{"id":"h` + strconv.Itoa(i) + `","ver":"0.25.3"}}`
				resp, err := http.Post(lp.url(), "application/json", strings.NewReader(body))
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode >= 300 {
						err = fmt.Errorf("HTTP %d", resp.StatusCode)
					}
				}
				errs <- err
			}()
		}
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				t.Fatalf("send: %v", err)
			}
		}
		seen, opened := map[string]bool{}, 0
		for len(seen) < n {
			ctrl := lp.next().Obj("ctrl")
			mustCode(t, "hi", ctrl, 200)
			seen[ctrl["id"].(string)] = true
			if ctrl["params"] != nil {
				opened++
			}
		}
		if opened != 1 {
			t.Fatalf("round %d: %d of the concurrent his opened the session, want 1", r, opened)
		}
	}
}

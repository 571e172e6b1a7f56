package server_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// A pub over MaxMessageSize gets 413 and the session goes on; a frame far
// over the limit ends the connection with 1009 and nothing else.
func TestMessageSizeLimits(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.MaxMessageSize = 1024 })
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)

	ctrl := a.Pub(b.User, strings.Repeat("x", 1100), "")
	mustCode(t, "pub over the limit", ctrl, 413)
	if ctrl["topic"] != b.User || ctrl["text"] != "too large" {
		t.Errorf("413 reply: %v", ctrl)
	}
	mustCode(t, "pub under the limit", a.Pub(b.User, strings.Repeat("x", 900), ""), 202)
	if m := b.Read(); m.Int("data.seq") != 1 {
		t.Fatalf("peer got %v, want only the message under the limit (seq 1)", m)
	}

	a.SendRaw(`{"pub":{"id":"big","topic":"` + b.User + `","content":"` + strings.Repeat("x", 64<<10) + `"}}`)
	err := a.ReadErr()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Fatalf("far too large a frame: connection ended with %v, want close 1009", err)
	}

	// The server and the peer carry on.
	mustCode(t, "peer pub", b.Pub(a.User, "still here", ""), 202)
	c := anon(t, srv)
	mustCode(t, "new session", c.Sub("me"), 200)
}

// Over the rate limit, id-bearing requests get 429 with their id; the
// session and the others stay up, and it recovers as tokens refill.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.RatePerSecond, c.RateBurst = 2, 10 })
	a := anon(t, srv)
	other := anon(t, srv)

	const n = 30
	for i := 0; i < n; i++ {
		// A leave on a topic not attached is answered by the session
		// itself, so replies keep the order of the requests.
		a.Send(Msg{"leave": Msg{"id": "r" + strconv.Itoa(i), "topic": "me"}})
		a.Send(Msg{"note": Msg{"topic": "me", "what": "kp"}}) // no id: dropped silently when limited
	}
	limited := 0
	for i := 0; i < n; i++ {
		m := a.Read()
		ctrl := m.Obj("ctrl")
		if ctrl.Get("id") != "r"+strconv.Itoa(i) {
			t.Fatalf("reply %d: %v, want the answer to r%d", i, m, i)
		}
		switch ctrl.Code() {
		case 429:
			limited++
			if ctrl["text"] != "too many requests" || ctrl["topic"] != "me" {
				t.Errorf("429 reply: %v", ctrl)
			}
		case 304: // not attached to me: the request got through
		default:
			t.Fatalf("reply %d: %v", i, m)
		}
	}
	if limited == 0 || limited == n {
		t.Fatalf("%d of %d requests limited, want some but not all", limited, n)
	}
	// The probe is answered whatever the rate.
	a.SendRaw("1")
	if raw := a.ReadRaw(); raw != "0" {
		t.Fatalf("probe: %q", raw)
	}
	mustCode(t, "other session", other.Sub("me"), 200)
	// Tokens refill: poll until a request gets through.
	for i := 0; ; i++ {
		ctrl := a.Sub("me")
		if ctrl.Code() == 200 {
			break
		}
		mustCode(t, "while limited", ctrl, 429)
		if i > 5000 {
			t.Fatal("the limit never lifted")
		}
	}
}

// A session may attach to at most MaxTopicsPerSession topics.
func TestMaxTopicsPerSession(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.MaxTopicsPerSession = 2 })
	a, b := anon(t, srv), anon(t, srv)
	mustCode(t, "me", a.Sub("me"), 200)
	mustCode(t, "p2p", a.Sub(b.User), 200)

	ctrl := a.Sub("new1")
	mustCode(t, "third topic", ctrl, 422)
	if ctrl["topic"] != "new1" {
		t.Errorf("422 reply: %v", ctrl)
	}
	mustCode(t, "group as third topic", a.Sub("grpAAAAAAAAAAE"), 422)
	// Re-subscribing to an attached topic is not a new one.
	mustCode(t, "again", a.Sub("me"), 304)
	// Leaving frees a place.
	id := a.ID()
	mustCode(t, "leave", a.Request(id, Msg{"leave": Msg{"id": id, "topic": b.User}}), 200)
	mustCode(t, "after leave", a.Sub("new2"), 200)
	mustCode(t, "p2p again", a.Sub(b.User), 422)
}

// A group holds at most MaxSubscribers members, whether they join or are
// invited.
func TestMaxSubscribers(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.MaxSubscribers = 2 })
	owner, a, b := anon(t, srv), anon(t, srv), anon(t, srv)
	name := group(t, owner, a)

	ctrl := b.Sub(name)
	mustCode(t, "third member", ctrl, 422)
	id := owner.ID()
	ctrl = owner.Request(id, Msg{"set": Msg{"id": id, "topic": name, "sub": Msg{"user": b.User}}})
	mustCode(t, "invite a third member", ctrl, 422)

	// Everyone is still served.
	mustCode(t, "pub", a.Pub(name, "hi", ""), 202)
	owner.Until("data", isData(1))
	mustCode(t, "b elsewhere", b.Sub("me"), 200)
}

// With an API key configured, the upgrade needs it: 403 without, 101 with it
// in the query or the header. Long polling is guarded the same way.
func TestAPIKey(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.APIKey = "k3y" })
	for _, key := range []string{"", "wrong"} {
		_, err := servertest.DialAddr(t, srv.Addr, key)
		if !errors.Is(err, websocket.ErrBadHandshake) {
			t.Fatalf("dial with key %q: %v, want a refused handshake", key, err)
		}
		url := "ws://" + srv.Addr + "/v0/channels?apikey=" + key
		_, resp, _ := websocket.DefaultDialer.Dial(url, nil)
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("dial with key %q: %v, want HTTP 403", key, resp)
		}
	}
	c, err := servertest.DialAddr(t, srv.Addr, "k3y")
	if err != nil {
		t.Fatalf("dial with the key: %v", err)
	}
	mustCode(t, "hi", c.Hi(), 201)

	hdr := http.Header{"X-Tinode-APIKey": {"k3y"}}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/v0/channels", hdr)
	if err != nil {
		t.Fatalf("dial with the key in the header: %v", err)
	}
	conn.Close()

	resp, err := http.Post("http://"+srv.Addr+"/v0/channels/lp", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("long polling without the key: HTTP %d, want 403", resp.StatusCode)
	}
}

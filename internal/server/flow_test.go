package server_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// A receiver that stops reading is disconnected with 4008 once its outbox
// overflows, while the topic goes on serving the others in order.
func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) {
		c.MaxMessageSize, c.OutboxBytes = 64<<10, 256<<10
		c.RetransmitAfter = server.Duration(time.Hour) // the reader never acks
		// The slow reader's writes block from the first window on; on a
		// busy machine filling its outbox can take longer than the default
		// write timeout, which would drop it (1006) before the 4008 this
		// test is about.
		c.WriteTimeout = server.Duration(time.Hour)
	})
	pub, reader := anon(t, srv), anon(t, srv)
	name := group(t, pub, reader)
	slow := dialSmallBuffer(t, srv)
	slow.request(t, Msg{"hi": Msg{"id": "1", "ver": "0.25"}}, 201)
	slow.request(t, Msg{"acc": Msg{"id": "2", "user": "new", "scheme": "anonymous", "login": true}}, 200)
	slow.request(t, Msg{"sub": Msg{"id": "3", "topic": name}}, 200)

	// Enough to fill the socket buffers between the server and the slow
	// client (kept small), then its outbox. The reader reads only after each
	// window of pubs, so a window must fit its outbox with room to spare even
	// when nothing has reached its socket yet: 4 × 32 KB of 256 KB. (A window
	// of 8 was the whole outbox and closed the reader now and then.)
	const n, window = 256, 4
	content := strings.Repeat("x", 32<<10)
	next := 1
	for sent := 0; sent < n; {
		for i := 0; i < window; i++ {
			pub.Send(Msg{"pub": Msg{"id": "p" + strconv.Itoa(sent), "topic": name, "noecho": true, "content": content}})
			sent++
		}
		for ; next <= sent; next++ {
			if m := reader.Until("data", hasKey("data")); m.Int("data.seq") != next {
				t.Fatalf("reader got %.200v, want data seq %d", m.String(), next)
			}
		}
		for i := 0; i < window; i++ {
			pub.Read() // acks
		}
	}

	err := slow.readErr()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4008 {
		t.Fatalf("slow consumer ended with %v, want close 4008", err)
	}
	mustCode(t, "publisher after", pub.Pub(name, "after", ""), 202)
	reader.Until("last", isData(n+1))
}

// rawConn is a bare WebSocket client for what the fixture's client cannot
// do: dial with its own socket options.
type rawConn struct{ *websocket.Conn }

// dialSmallBuffer connects with a small socket receive buffer, so a client
// that stops reading backs up onto the server after little data.
func dialSmallBuffer(t *testing.T, srv *servertest.Server) rawConn {
	t.Helper()
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	wd := &websocket.Dialer{NetDialContext: d.DialContext}
	conn, _, err := wd.Dial("ws://"+srv.Addr+"/v0/channels", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return rawConn{conn}
}

// request sends v, whose id is the first field's "id", and waits for its
// ctrl with the given code.
func (c rawConn) request(t *testing.T, v Msg, code int) {
	t.Helper()
	var id any
	for _, body := range v {
		id = body.(Msg)["id"]
	}
	if err := c.WriteJSON(v); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	for {
		var m Msg
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for the answer to %v: %v", v, err)
		}
		if ctrl := m.Obj("ctrl"); ctrl.Get("id") == id {
			mustCode(t, "raw request", ctrl, code)
			return
		}
	}
}

// readErr reads until the connection ends and returns why.
func (c rawConn) readErr() error {
	c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}

// 100 pubs sent without waiting are acknowledged with seq 1..100 in order,
// each ack before its echo, and the peer gets them in the same order.
func TestPipelinedPubs(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	const n = 100
	for i := 1; i <= n; i++ {
		a.Send(Msg{"pub": Msg{"id": "p" + strconv.Itoa(i), "topic": b.User, "content": "msg " + strconv.Itoa(i)}})
	}
	for i := 1; i <= n; i++ {
		ack := a.Read().Obj("ctrl")
		if ack.Get("id") != "p"+strconv.Itoa(i) || ack.Code() != 202 || ack.Int("params.seq") != i {
			t.Fatalf("ack %d: %v", i, ack)
		}
		if echo := a.Read(); echo.Int("data.seq") != i {
			t.Fatalf("echo %d: %v", i, echo)
		}
	}
	for i := 1; i <= n; i++ {
		d := b.Read().Obj("data")
		if d.Int("seq") != i || d["content"] != "msg "+strconv.Itoa(i) || d["from"] != a.User || d["topic"] != a.User {
			t.Fatalf("peer's data %d: %v", i, d)
		}
	}
}

// Under a flood of pipelined requests of every kind, some over the rate
// limit, every request with an id gets an answer carrying that id.
func TestEveryRequestAnswered(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.RateBurst = 1500 })
	a, b := anon(t, srv), anon(t, srv)
	p2p(t, a, b)
	mustCode(t, "me", a.Sub("me"), 200)
	peer := b.User

	kinds := []func(id string) Msg{
		func(id string) Msg { return Msg{"pub": Msg{"id": id, "topic": peer, "content": id}} },
		func(id string) Msg { return Msg{"get": Msg{"id": id, "topic": peer, "what": "desc"}} },
		func(id string) Msg {
			return Msg{"get": Msg{"id": id, "topic": peer, "what": "data", "data": Msg{"limit": 3}}}
		},
		func(id string) Msg { return Msg{"sub": Msg{"id": id, "topic": "me"}} },
		func(id string) Msg { return Msg{"leave": Msg{"id": id, "topic": "grpAAAAAAAAAAE"}} },
		func(id string) Msg { return Msg{"get": Msg{"id": id, "topic": "me", "what": "bogus"}} },
		func(id string) Msg { return Msg{"get": Msg{"id": id, "topic": peer, "what": "cred aux"}} },
		func(id string) Msg {
			return Msg{"set": Msg{"id": id, "topic": peer, "desc": Msg{"private": Msg{"n": id}}}}
		},
		func(id string) Msg {
			return Msg{"del": Msg{"id": id, "topic": peer, "what": "msg", "delseq": []Msg{{"low": 1}}}}
		},
		func(id string) Msg { return Msg{"get": Msg{"id": id, "topic": "me", "what": "sub"}} },
		func(id string) Msg { return Msg{"pub": Msg{"id": id, "topic": "grpAAAAAAAAAAE", "content": 1}} },
		func(id string) Msg { return Msg{"get": Msg{"id": id, "topic": peer, "what": "del tags"}} },
		func(id string) Msg { return Msg{"acc": Msg{"id": id, "user": a.User, "tags": []string{"x"}}} },
		func(id string) Msg { return Msg{"action": Msg{"id": id, "topic": peer, "what": "close"}} },
		func(id string) Msg { return Msg{"datares": Msg{"id": id, "acks": []Msg{{"topic": peer, "seq": 1}}}} },
		func(id string) Msg {
			return Msg{"get": Msg{"id": id, "topic": peer, "what": "desc sub data del", "data": Msg{"limit": 2}}}
		},
		func(id string) Msg { return Msg{"note": Msg{"topic": peer, "what": "kp"}} },
		func(id string) Msg { return Msg{"del": Msg{"id": id, "topic": peer, "what": "cred"}} },
	}
	const n = 3000
	waiting := map[string]bool{}
	defer func() {
		if t.Failed() && len(waiting) > 0 {
			t.Logf("%d requests unanswered, for example:", len(waiting))
			shown := 0
			for id := range waiting {
				if shown++; shown > 10 {
					break
				}
				k, _ := strconv.Atoi(id[1:])
				t.Logf("  %v", kinds[k%len(kinds)](id))
			}
		}
	}()
	for i := 0; i < n; i++ {
		id := "r" + strconv.Itoa(i)
		m := kinds[i%len(kinds)](id)
		if m["note"] == nil {
			waiting[id] = true
		}
		a.Send(m)
	}
	for len(waiting) > 0 {
		m := a.Read()
		for _, kind := range []string{"ctrl", "meta"} {
			if id, ok := m.Get(kind + ".id").(string); ok {
				delete(waiting, id)
			}
		}
	}
}

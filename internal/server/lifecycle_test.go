package server_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// A session that disconnects while its sub is still on the way must not
// stay attached to the topic. A ghost attachment would, for one, make the
// topic think the user is reading it, so the user's other sessions would
// miss {info} on "me".
func TestSubThenDisconnect(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, c := anon(t, srv), anon(t, srv)
	mustCode(t, "a me", a.Sub("me"), 200)
	mustCode(t, "c me", c.Sub("me"), 200)

	// A second session of a creates the p2p topic and hangs up at once:
	// creating takes store writes, so the hang-up is handled first.
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/v0/channels", nil)
	if err != nil {
		t.Fatal(err)
	}
	ghost := rawConn{conn}
	ghost.request(t, Msg{"hi": Msg{"id": "1", "ver": "0.25"}}, 201)
	ghost.request(t, Msg{"login": Msg{"id": "2", "scheme": "token", "secret": a.Token}}, 200)
	if err := ghost.WriteJSON(Msg{"sub": Msg{"id": "3", "topic": c.User}}); err != nil {
		t.Fatal(err)
	}
	ghost.Close()
	c.Until("pres acs", func(m Msg) bool { return m.Get("pres.what") == "acs" })

	// a posts and leaves; c reads. a is attached nowhere now, so its "me"
	// session hears of the read.
	mustCode(t, "a sub", a.Sub(c.User), 200)
	mustCode(t, "a pub", a.Pub(c.User, "hello", ""), 202)
	id := a.ID()
	mustCode(t, "a leave", a.Request(id, Msg{"leave": Msg{"id": id, "topic": c.User}}), 200)
	mustCode(t, "c sub", c.Sub(a.User), 200)
	c.Send(Msg{"note": Msg{"topic": a.User, "what": "read", "seq": 1}})
	info := a.Until("info on me", hasKey("info")).Obj("info")
	if info["topic"] != "me" || info["src"] != c.User || info.Int("seq") != 1 {
		t.Fatalf("info: %v", info)
	}
}

// A client that sends nothing, not even pongs, for the idle timeout is told
// so with close 4000.
func TestIdleTimeoutCloses4000(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.IdleTimeout = server.Duration(time.Second) })
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/v0/channels", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetPingHandler(func(string) error { return nil }) // a dead peer does not pong
	quiet := rawConn{conn}
	quiet.request(t, Msg{"hi": Msg{"id": "1", "ver": "0.25"}}, 201)
	err = quiet.readErr()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 {
		t.Fatalf("idle client: connection ended with %v, want close 4000", err)
	}
}

// On shutdown every session is closed with 1001.
func TestShutdownCloses1001(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	c := anon(t, srv)
	mustCode(t, "sub", c.Sub("me"), 200)
	srv.Stop()
	err := c.ReadErr()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("at shutdown the connection ended with %v, want close 1001", err)
	}
}

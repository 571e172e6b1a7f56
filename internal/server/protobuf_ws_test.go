package server_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/server/servertest"
)

// countingConn counts the bytes read from the socket: what the wire carried,
// before the WebSocket library inflates anything.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// pbWS is a protobuf WebSocket connection and what it counted.
type pbWS struct {
	*wireClient
	conn    *websocket.Conn
	wire    *atomic.Int64 // bytes read from the socket
	payload atomic.Int64  // bytes of the frames, inflated
	frames  atomic.Int64  // binary frames read
	probes  atomic.Int64  // empty binary frames read: probe answers
	readErr error         // why reading ended; set before msgs is closed
}

// dialProtobuf connects to the WebSocket endpoint asking for protobuf by
// subprotocol, or by ?format=protobuf when query is set.
func dialProtobuf(t testing.TB, srv *servertest.Server, query, deflate bool) *pbWS {
	t.Helper()
	c := &pbWS{wire: &atomic.Int64{}}
	d := websocket.Dialer{EnableCompression: deflate,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			return countingConn{nc, c.wire}, err
		}}
	url := "ws://" + srv.Addr + "/v0/channels"
	if query {
		url += "?format=protobuf"
	} else {
		d.Subprotocols = []string{"parley-protobuf"}
	}
	conn, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if !query && resp.Header.Get("Sec-WebSocket-Protocol") != "parley-protobuf" {
		t.Fatalf("subprotocol %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	c.conn = conn
	conn.EnableWriteCompression(false) // as clients should for small frames
	c.wireClient = newWireClient(t, func(ms ...*pbx.ClientMsg) error {
		var frame []byte
		for _, m := range ms {
			b, err := gproto.Marshal(m)
			if err != nil {
				return err
			}
			frame = pbx.AppendDelimited(frame, b)
		}
		return conn.WriteMessage(websocket.BinaryMessage, frame)
	})
	go c.receive(t)
	return c
}

func (c *pbWS) receive(t testing.TB) {
	defer close(c.msgs)
	for {
		kind, frame, err := c.conn.ReadMessage()
		if err != nil {
			c.readErr = err
			return
		}
		if kind != websocket.BinaryMessage {
			t.Errorf("a %d frame on a protobuf connection: %q", kind, frame)
			return
		}
		c.frames.Add(1)
		c.payload.Add(int64(len(frame)))
		if len(frame) == 0 {
			c.probes.Add(1)
			continue
		}
		parts, err := pbx.SplitBatch(frame, 0)
		if err != nil {
			t.Errorf("server frame is not a batch: %v", err)
			return
		}
		for _, p := range parts {
			var m pbx.ServerMsg
			if err := gproto.Unmarshal(p, &m); err != nil {
				t.Errorf("server message: %v", err)
				return
			}
			c.msgs <- &m
		}
	}
}

// A protobuf WebSocket client and a JSON one chat in one conversation,
// exactly once and in order; hi and the signup travel in one frame.
func TestProtobufWebSocketChatsWithJSONClient(t *testing.T) {
	for _, query := range []bool{false, true} {
		srv := servertest.Start(t)
		alice := srv.Connect(t, "alice")
		bob := dialProtobuf(t, srv, query, true)
		bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Hi{Hi: &pbx.ClientHi{Id: "h", Ver: "0.25"}}},
			&pbx.ClientMsg{Message: &pbx.ClientMsg_Note{Note: &pbx.ClientNote{Topic: "me", What: pbx.InfoNote_KP}}})
		if c := bob.ctrl("h"); c.GetCode() != 201 {
			t.Fatalf("hi: %v", c)
		}
		chat(t, alice, bob.wireClient, 5)
	}
}

// A history page is one frame, compressed on the wire when the client
// negotiated permessage-deflate; small frames are not compressed.
func TestProtobufHistoryPageIsCompressed(t *testing.T) {
	srv := servertest.Start(t)
	alice := srv.Connect(t, "alice")
	bob := dialProtobuf(t, srv, false, true)
	bob.hi("0.25")
	bob.signup("bob")
	if c := alice.Sub(bob.user); c.Code() != 200 {
		t.Fatalf("alice sub: %v", c)
	}
	const n = 100
	for i := 0; i < n; i++ {
		if c := alice.Pub(bob.user, "a customer question about order "+strings.Repeat("x", i%7), ""); c.Code() != 202 {
			t.Fatalf("pub: %v", c)
		}
	}
	before, beforePayload := bob.wire.Load(), bob.payload.Load()
	id := bob.id()
	bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Sub{Sub: &pbx.ClientSub{Id: id, Topic: alice.User,
		GetQuery: &pbx.GetQuery{What: "data", Data: &pbx.GetOpts{Limit: n}}}}})
	for seen := 0; seen < n; {
		if bob.until("data", func(m *pbx.ServerMsg) bool { return m.GetData() != nil }) != nil {
			seen++
		}
	}
	wire, payload := bob.wire.Load()-before, bob.payload.Load()-beforePayload
	if wire*2 > payload {
		t.Fatalf("a %d-byte page took %d bytes on the wire: not compressed", payload, wire)
	}
	t.Logf("history page of %d messages: %d bytes of protobuf, %d on the wire", n, payload, wire)
}

// An empty binary frame is the network probe of a protobuf connection: it is
// answered with an empty binary frame, once per probe, and is not a 400.
func TestProtobufProbeIsAnswered(t *testing.T) {
	srv := servertest.Start(t)
	bob := dialProtobuf(t, srv, false, false)
	bob.hi("0.25")
	for i := int64(1); i <= 3; i++ {
		if err := bob.conn.WriteMessage(websocket.BinaryMessage, nil); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); bob.probes.Load() < i; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("probe %d: no empty frame back (%d answers)", i, bob.probes.Load())
			}
		}
	}
	if c := bob.hi("0.25"); c.GetCode() != 200 { // and no 400 was queued before it
		t.Fatalf("hi after probes: %v", c)
	}
	if n := bob.probes.Load(); n != 3 {
		t.Fatalf("%d probe answers, want 3", n)
	}
}

// Bad input on a protobuf connection is answered, and the connection stays.
func TestProtobufWebSocketBadFrames(t *testing.T) {
	srv := servertest.Start(t)
	bob := dialProtobuf(t, srv, false, false)
	bob.hi("0.25")
	for name, frame := range map[string][]byte{
		"not a batch":      {0x05, 0x01},
		"not a client msg": pbx.AppendDelimited(nil, []byte{0xff, 0xff}),
		"empty message":    pbx.AppendDelimited(nil, nil),
		"too many":         bytes.Repeat([]byte{0}, 257),
	} {
		if err := bob.conn.WriteMessage(websocket.BinaryMessage, frame); err != nil {
			t.Fatal(err)
		}
		if c := bob.until("400", func(m *pbx.ServerMsg) bool { return m.GetCtrl() != nil }).GetCtrl(); c.GetCode() != 400 {
			t.Fatalf("%s: %v", name, c)
		}
	}
	if err := bob.conn.WriteMessage(websocket.TextMessage, []byte(`{"hi":{"id":"1"}}`)); err != nil {
		t.Fatal(err)
	}
	if c := bob.until("400", func(m *pbx.ServerMsg) bool { return m.GetCtrl() != nil }).GetCtrl(); c.GetCode() != 400 {
		t.Fatalf("text frame: %v", c)
	}
	if c := bob.hi("0.25"); c.GetCode() != 200 {
		t.Fatalf("hi after bad frames: %v", c)
	}
}

// A compressed client frame is bounded by its inflated size: a small frame
// that inflates past the limit closes the connection with 1009.
func TestProtobufInflatedFrameIsBounded(t *testing.T) {
	srv := servertest.Start(t)
	bob := dialProtobuf(t, srv, false, true)
	bob.hi("0.25")
	bob.conn.EnableWriteCompression(true)
	// The server may close while the frame is still being written, so
	// the write may fail: what matters is the close code.
	bob.conn.WriteMessage(websocket.BinaryMessage, make([]byte, 8<<20))
	deadline := time.After(servertest.Timeout)
	for open := true; open; {
		select {
		case _, open = <-bob.msgs:
		case <-deadline:
			t.Fatal("connection still open after an 8 MB inflated frame")
		}
	}
	if !websocket.IsCloseError(bob.readErr, websocket.CloseMessageTooBig) {
		t.Fatalf("read after an 8 MB inflated frame: %v", bob.readErr)
	}
}

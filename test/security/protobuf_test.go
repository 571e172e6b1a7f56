package security

import (
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/server/servertest"
)

// Streams are sessions: one address may hold max_conns_per_address of them
// over gRPC as over WebSocket; the next is refused at once, and the server
// keeps serving the ones it holds.
func TestProtobufGRPCStreamsPerAddress(t *testing.T) {
	p := startServer(t, "PARLEY_GRPC_LISTEN=127.0.0.1:0", "PARLEY_MAX_CONNS_PER_ADDRESS=4")
	conn, err := ggrpc.NewClient(p.GRPCAddr(t), ggrpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	node := pbx.NewNodeClient(conn)
	var held []pbx.Node_MessageLoopClient
	for i := 0; i < 4; i++ {
		s, err := node.MessageLoop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A hi answered proves the stream holds a session.
		if err := s.Send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Hi{Hi: &pbx.ClientHi{Id: "h", Ver: "0.25"}}}); err != nil {
			t.Fatal(err)
		}
		if m, err := s.Recv(); err != nil || m.GetCtrl().GetCode() != 201 {
			t.Fatalf("stream %d: %v %v", i, m, err)
		}
		held = append(held, s)
	}
	extra, err := node.MessageLoop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := extra.Recv(); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("fifth stream: %v, want RESOURCE_EXHAUSTED", err)
	}
	if err := held[0].Send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Hi{Hi: &pbx.ClientHi{Id: "h2", Ver: "0.25"}}}); err != nil {
		t.Fatal(err)
	}
	if m, err := held[0].Recv(); err != nil || m.GetCtrl().GetCode() != 200 {
		t.Fatalf("held stream after the refusal: %v %v", m, err)
	}
}

// Degenerate protobuf frames against a real process: a frame of 257 empty
// messages and one whose length runs past its end are answered with one
// 400 each, and the connection keeps working.
func TestProtobufDegenerateFrames(t *testing.T) {
	p := startServer(t)
	d := websocket.Dialer{Subprotocols: []string{"parley-protobuf"}}
	conn, _, err := d.Dial("ws://"+p.Addr+"/v0/channels", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := func() *pbx.ServerMsg {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(servertest.Timeout))
		_, frame, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		parts, err := pbx.SplitBatch(frame, 0)
		if err != nil || len(parts) != 1 {
			t.Fatalf("server frame: %d parts, %v", len(parts), err)
		}
		var m pbx.ServerMsg
		if err := gproto.Unmarshal(parts[0], &m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	for _, frame := range [][]byte{make([]byte, 257), {0x7f, 1, 2}} {
		if err := conn.WriteMessage(websocket.BinaryMessage, frame); err != nil {
			t.Fatal(err)
		}
		if c := read().GetCtrl(); c.GetCode() != 400 {
			t.Fatalf("answer %v, want 400", c)
		}
	}
	hi, _ := gproto.Marshal(&pbx.ClientMsg{Message: &pbx.ClientMsg_Hi{Hi: &pbx.ClientHi{Id: "1", Ver: "0.25"}}})
	if err := conn.WriteMessage(websocket.BinaryMessage, pbx.AppendDelimited(nil, hi)); err != nil {
		t.Fatal(err)
	}
	if c := read().GetCtrl(); c.GetCode() != 201 {
		t.Fatalf("hi after bad frames: %v", c)
	}
}

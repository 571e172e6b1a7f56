package server_test

import (
	"context"
	"testing"
	"time"

	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// dialGRPC opens a MessageLoop stream; a goroutine receives into the
// client's channel, so a test can wait with a deadline.
func dialGRPC(t *testing.T, srv *servertest.Server) *wireClient {
	t.Helper()
	conn, err := ggrpc.NewClient(srv.Server().GRPCAddr().String(),
		ggrpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); conn.Close() })
	stream, err := pbx.NewNodeClient(conn).MessageLoop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := newWireClient(t, func(m ...*pbx.ClientMsg) error {
		for _, one := range m {
			if err := stream.Send(one); err != nil {
				return err
			}
		}
		return nil
	})
	go func() {
		defer close(c.msgs)
		for {
			m, err := stream.Recv()
			if err != nil {
				return
			}
			c.msgs <- m
		}
	}()
	return c
}

// TestGRPCChatsWithJSONClient: a gRPC session (hi with tn-cli's PEP 440
// version) and a JSON WebSocket session chat in one conversation; each sees
// every message once and in order, and the gRPC client, which never
// acknowledges, is sent no copies while the JSON client is retransmitted to.
func TestGRPCChatsWithJSONClient(t *testing.T) {
	srv := servertest.Start(t, func(c *server.Config) {
		c.GRPCListen = "127.0.0.1:0"
		c.RetransmitAfter = server.Duration(200 * time.Millisecond)
	})
	alice := srv.Connect(t, "alice")
	optInLive(t, alice) // speaks datares: retransmitted to on a live connection
	bob := dialGRPC(t, srv)
	if c := bob.hi("0.25.1.post3"); c.GetCode() != 201 {
		t.Fatalf("hi: %v", c)
	}
	const n = 5
	chat(t, alice, bob, n)
	// Alice does not acknowledge either: a copy reaches her once the
	// retransmission timer has run, and by then Bob's would have been
	// queued too. Bob's next answer must come without data before it.
	alice.Until("retransmitted last message", func(m servertest.Msg) bool { return m.Int("data.seq") == 2*n })
	id := bob.id()
	bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Get{Get: &pbx.ClientGet{Id: id, Topic: alice.User,
		Query: &pbx.GetQuery{What: "desc"}}}})
	bob.until("ctrl or meta "+id, func(m *pbx.ServerMsg) bool {
		if m.GetData() != nil {
			t.Fatalf("gRPC client that never acknowledged was sent seq %d again", m.GetData().GetSeqId())
		}
		return m.GetMeta().GetId() == id || m.GetCtrl().GetId() == id
	})
}

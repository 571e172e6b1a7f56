package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// grpcClient is a test client of the MessageLoop stream. A goroutine
// receives into msgs, so a test can wait with a deadline.
type grpcClient struct {
	t      *testing.T
	stream pbx.Node_MessageLoopClient
	msgs   chan *pbx.ServerMsg
	seen   []*pbx.ServerMsg // read but not yet matched, in order
	next   int
	user   string
}

func dialGRPC(t *testing.T, srv *servertest.Server) *grpcClient {
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
	c := &grpcClient{t: t, stream: stream, msgs: make(chan *pbx.ServerMsg, 1024)}
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

func (c *grpcClient) id() string { c.next++; return fmt.Sprint("g", c.next) }

func (c *grpcClient) send(m *pbx.ClientMsg) {
	c.t.Helper()
	if err := c.stream.Send(m); err != nil {
		c.t.Fatal(err)
	}
}

// until returns the first message match accepts, failing after the
// deadline. Messages it passes over are kept for later calls, in order.
func (c *grpcClient) until(what string, match func(*pbx.ServerMsg) bool) *pbx.ServerMsg {
	c.t.Helper()
	for i, m := range c.seen {
		if match(m) {
			c.seen = append(c.seen[:i], c.seen[i+1:]...)
			return m
		}
	}
	deadline := time.After(servertest.Timeout)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("stream ended waiting for %s", what)
			}
			if match(m) {
				return m
			}
			c.seen = append(c.seen, m)
		case <-deadline:
			c.t.Fatalf("no %s within %v", what, servertest.Timeout)
		}
	}
}

func (c *grpcClient) ctrl(id string) *pbx.ServerCtrl {
	c.t.Helper()
	return c.until("ctrl "+id, func(m *pbx.ServerMsg) bool { return m.GetCtrl().GetId() == id }).GetCtrl()
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
	bob := dialGRPC(t, srv)
	id := bob.id()
	bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Hi{Hi: &pbx.ClientHi{Id: id, Ver: "0.25.1.post3",
		UserAgent: "tn-cli/0.25"}}})
	if c := bob.ctrl(id); c.GetCode() != 201 {
		t.Fatalf("hi: %v", c)
	}
	id = bob.id()
	bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Acc{Acc: &pbx.ClientAcc{Id: id, UserId: "new",
		Scheme: "basic", Secret: []byte("bob:pass123"), Login: true,
		Desc: &pbx.SetDesc{Public: []byte(`{"fn":"Bob"}`)}}}})
	c := bob.ctrl(id)
	if c.GetCode() != 200 {
		t.Fatalf("acc: %v", c)
	}
	bobUser := string(c.GetParams()["user"])
	bobUser = bobUser[1 : len(bobUser)-1] // a JSON string
	id = bob.id()
	bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Sub{Sub: &pbx.ClientSub{Id: id, Topic: alice.User}}})
	if c := bob.ctrl(id); c.GetCode() != 200 {
		t.Fatalf("sub: %v", c)
	}
	if c := alice.Sub(bobUser); c.Code() != 200 {
		t.Fatalf("alice sub: %v", c)
	}

	const n = 5
	for i := 1; i <= n; i++ {
		id := bob.id()
		bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Pub{Pub: &pbx.ClientPub{Id: id, Topic: alice.User,
			Head: map[string][]byte{"msgid": []byte(fmt.Sprintf(`"b-%d"`, i))}, Content: []byte(fmt.Sprintf(`"bob %d"`, i))}}})
		if c := bob.ctrl(id); c.GetCode() != 202 {
			t.Fatalf("bob pub %d: %v", i, c)
		}
	}
	for i := 1; i <= n; i++ {
		alice.Send(servertest.Msg{"pub": servertest.Msg{"id": fmt.Sprint("a", i), "topic": bobUser,
			"head": servertest.Msg{"msgid": fmt.Sprint("a-", i)}, "content": fmt.Sprint("alice ", i)}})
	}
	for seq, acked := 1, 0; seq <= 2*n || acked < n; {
		m := alice.Read()
		switch {
		case m.Get("ctrl") != nil:
			if m.Int("ctrl.code") != 202 {
				t.Fatalf("alice pub: %v", m)
			}
			acked++
		case m.Get("data") != nil:
			if m.Int("data.seq") != seq {
				t.Fatalf("alice got seq %d, want %d", m.Int("data.seq"), seq)
			}
			seq++
		}
	}
	for seq := 1; seq <= 2*n; seq++ {
		d := bob.until("data", func(m *pbx.ServerMsg) bool { return m.GetData() != nil }).GetData()
		if int(d.GetSeqId()) != seq {
			t.Fatalf("bob got seq %d, want %d", d.GetSeqId(), seq)
		}
		if want := []string{"bob", "alice"}[(seq-1)/n]; string(d.GetContent()) != fmt.Sprintf(`"%s %d"`, want, (seq-1)%n+1) {
			t.Fatalf("bob got content %s at seq %d", d.GetContent(), seq)
		}
	}
	// Alice does not acknowledge either: a copy reaches her once the
	// retransmission timer has run, and by then Bob's would have been
	// queued too. Bob's next answer must come without data before it.
	alice.Until("retransmitted last message", func(m servertest.Msg) bool { return m.Int("data.seq") == 2*n })
	id = bob.id()
	bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Get{Get: &pbx.ClientGet{Id: id, Topic: alice.User,
		Query: &pbx.GetQuery{What: "desc"}}}})
	bob.until("ctrl or meta "+id, func(m *pbx.ServerMsg) bool {
		if m.GetData() != nil {
			t.Fatalf("gRPC client that never acknowledged was sent seq %d again", m.GetData().GetSeqId())
		}
		return m.GetMeta().GetId() == id || m.GetCtrl().GetId() == id
	})
}

package server_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/server/servertest"
)

// wireClient is a test client speaking pbx messages, over gRPC or protobuf
// WebSocket: send writes messages (several at once where the transport
// batches them), and a goroutine of the transport's receives into msgs.
type wireClient struct {
	t      testing.TB
	sendFn func(...*pbx.ClientMsg) error
	msgs   chan *pbx.ServerMsg
	seen   []*pbx.ServerMsg // read but not yet matched, in order
	next   int
	user   string
}

func newWireClient(t testing.TB, send func(...*pbx.ClientMsg) error) *wireClient {
	return &wireClient{t: t, sendFn: send, msgs: make(chan *pbx.ServerMsg, 4096)}
}

func (c *wireClient) id() string { c.next++; return fmt.Sprint("w", c.next) }

func (c *wireClient) send(m ...*pbx.ClientMsg) {
	c.t.Helper()
	if err := c.sendFn(m...); err != nil {
		c.t.Fatal(err)
	}
}

// until returns the first message match accepts, failing after the
// deadline. Messages it passes over are kept for later calls, in order.
func (c *wireClient) until(what string, match func(*pbx.ServerMsg) bool) *pbx.ServerMsg {
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

func (c *wireClient) ctrl(id string) *pbx.ServerCtrl {
	c.t.Helper()
	return c.until("ctrl "+id, func(m *pbx.ServerMsg) bool { return m.GetCtrl().GetId() == id }).GetCtrl()
}

func (c *wireClient) hi(ver string) *pbx.ServerCtrl {
	c.t.Helper()
	id := c.id()
	c.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Hi{Hi: &pbx.ClientHi{Id: id, Ver: ver, UserAgent: "wire-test"}}})
	return c.ctrl(id)
}

// signup creates a basic account, logs in and sets user.
func (c *wireClient) signup(login string) {
	c.t.Helper()
	id := c.id()
	c.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Acc{Acc: &pbx.ClientAcc{Id: id, UserId: "new",
		Scheme: "basic", Secret: []byte(login + ":pass123"), Login: true,
		Desc: &pbx.SetDesc{Public: []byte(`{"fn":"` + login + `"}`)}}}})
	ctrl := c.ctrl(id)
	if ctrl.GetCode() != 200 {
		c.t.Fatalf("acc: %v", ctrl)
	}
	if err := json.Unmarshal(ctrl.GetParams()["user"], &c.user); err != nil {
		c.t.Fatalf("acc params.user: %v", err)
	}
}

// login logs in with the basic scheme.
func (c *wireClient) login(login string) {
	c.t.Helper()
	id := c.id()
	c.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Login{Login: &pbx.ClientLogin{Id: id, Scheme: "basic",
		Secret: []byte(login + ":pass123")}}})
	if ctrl := c.ctrl(id); ctrl.GetCode() != 200 {
		c.t.Fatalf("login: %v", ctrl)
	}
}

func (c *wireClient) sub(topic string) {
	c.t.Helper()
	id := c.id()
	c.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Sub{Sub: &pbx.ClientSub{Id: id, Topic: topic}}})
	if ctrl := c.ctrl(id); ctrl.GetCode() != 200 {
		c.t.Fatalf("sub %s: %v", topic, ctrl)
	}
}

// chat has bob (pbx, after hi) sign up and exchange n messages each with
// alice (JSON, logged in) in their one-to-one topic, bob first; both must
// get all 2n in order, each once (Alice, who does not acknowledge, may also
// get copies of seqs she had, as the retransmission timer allows).
func chat(t *testing.T, alice *servertest.Client, bob *wireClient, n int) {
	t.Helper()
	bob.signup("bob")
	bob.sub(alice.User)
	if c := alice.Sub(bob.user); c.Code() != 200 {
		t.Fatalf("alice sub: %v", c)
	}
	for i := 1; i <= n; i++ {
		id := bob.id()
		bob.send(&pbx.ClientMsg{Message: &pbx.ClientMsg_Pub{Pub: &pbx.ClientPub{Id: id, Topic: alice.User,
			Head:    map[string][]byte{"msgid": []byte(fmt.Sprintf(`"b-%d"`, i))},
			Content: []byte(fmt.Sprintf(`"bob %d"`, i))}}})
		if c := bob.ctrl(id); c.GetCode() != 202 {
			t.Fatalf("bob pub %d: %v", i, c)
		}
	}
	for i := 1; i <= n; i++ {
		alice.Send(servertest.Msg{"pub": servertest.Msg{"id": fmt.Sprint("a", i), "topic": bob.user,
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
			// Alice never acknowledges: a retransmission (an earlier
			// seq, which clients drop) may come, but no seq out of turn.
			if got := m.Int("data.seq"); got > seq {
				t.Fatalf("alice got seq %d, want %d", got, seq)
			} else if got == seq {
				seq++
			}
		}
	}
	for seq := 1; seq <= 2*n; seq++ {
		d := bob.until("data", func(m *pbx.ServerMsg) bool { return m.GetData() != nil }).GetData()
		want := fmt.Sprintf(`"%s %d"`, []string{"bob", "alice"}[(seq-1)/n], (seq-1)%n+1)
		if int(d.GetSeqId()) != seq || string(d.GetContent()) != want {
			t.Fatalf("bob got seq %d %s, want %d %s", d.GetSeqId(), d.GetContent(), seq, want)
		}
	}
}

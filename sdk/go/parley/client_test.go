package parley

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

func TestTwoClientsChat(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice"), newClient(t, a, "bob")
	sa, sb := watch(alice), watch(bob)
	ab, ba := pair(t, alice, bob)
	var mine []*Message
	for i := range 20 {
		mine = append(mine, alice.Send(ab, map[string]any{"txt": fmt.Sprint("a", i)}))
		bob.Send(ba, map[string]any{"txt": fmt.Sprint("b", i)})
	}
	converged(t, alice, ab, sa, bob, ba, sb, 40)
	// Bob's client acknowledged receipt: Alice sees her messages delivered.
	waitFor(t, "delivered", func() bool { return mine[19].Status() == StatusDelivered })
	if err := bob.NoteRead(ba, mine[19].Seq()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "read", func() bool {
		for _, m := range mine {
			if m.Status() != StatusRead {
				return false
			}
		}
		return true
	})
}

func TestSendRendersBeforeTheNetwork(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	tap := &tapDialer{}
	alice := newClient(t, a, "alice", WithDialer(tap.dial))
	bob := newClient(t, a, "bob")
	ab, _ := pair(t, alice, bob)
	statuses := make(chan Status, 10)
	unsub := alice.OnStatus(func(s StatusChange) { statuses <- s.Status })
	defer unsub()
	tap.hold() // every write now blocks: Send must not
	m := alice.Send(ab, json.RawMessage(`"hello"`))
	if m.Status() != StatusSending || m.Seq() != 0 {
		t.Fatalf("sent message is %v seq %d", m.Status(), m.Seq())
	}
	if got := alice.Messages(ab); len(got) != 1 || got[0] != m {
		t.Fatalf("pool holds %v", got)
	}
	tap.release()
	select {
	case s := <-statuses:
		if s != StatusSent {
			t.Fatalf("first status change %v", s)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no ack")
	}
	if m.Seq() != 1 {
		t.Fatalf("seq %d", m.Seq())
	}
}

func TestTypingAndFilter(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice := newClient(t, a, "alice")
	bob := newClient(t, a, "bob", WithFilter(func(m *Message) bool { return string(m.Content) != `"robot"` }))
	ab, ba := pair(t, alice, bob)
	typing := make(chan Typing, 1)
	defer bob.OnTyping(func(ty Typing) { typing <- ty })()
	if err := alice.NoteTyping(ab); err != nil {
		t.Fatal(err)
	}
	select {
	case ty := <-typing:
		if ty.From != alice.UserID() || ty.Topic != ba {
			t.Fatalf("typing %+v", ty)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no typing event")
	}
	alice.Send(ab, "robot")
	last := alice.Send(ab, "human")
	waitFor(t, "bob has the human message", func() bool {
		got := bob.Messages(ba)
		return len(got) == 1 && got[0].MsgID == last.MsgID
	})
	// The filtered message still counts as received: Alice sees both delivered.
	waitFor(t, "delivered", func() bool { return last.Status() == StatusDelivered })
}

func TestUnsubscribeStopsEvents(t *testing.T) {
	c := New(WithAddress("127.0.0.1:1"))
	got := make(chan *Message, 4)
	unsub := c.OnMessage(func(m *Message) { got <- m })
	c.Send("usrX", "one")
	<-got
	unsub()
	c.Send("usrX", "two")
	if n := len(c.Messages("usrX")); n != 2 {
		t.Fatalf("pool has %d", n)
	}
	select {
	case m := <-got:
		t.Fatalf("event after unsubscribe: %s", m.Content)
	default:
	}
	_ = context.Background
}

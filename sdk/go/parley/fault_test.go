package parley

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestServerRestartMidStream stops the gateway while both sides are
// sending and starts it again over the same data on a new port. The
// outboxes resend with the same msgids: nothing is lost, nothing shows
// twice, and both sides end in the server's seq order.
func TestServerRestartMidStream(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice"), newClient(t, a, "bob")
	sa, sb := watch(alice), watch(bob)
	ab, ba := pair(t, alice, bob)
	downs := countStates(alice, StateDisconnected)
	const n = 30
	var first *Message
	for i := range n {
		m := alice.Send(ab, fmt.Sprint("a", i))
		bob.Send(ba, fmt.Sprint("b", i))
		switch i {
		case 0:
			first = m
		case n / 3: // mid-stream: some sends acked, some in flight
			waitFor(t, "first ack", func() bool { return first.Seq() != 0 })
			srv.Stop()
			waitFor(t, "disconnect seen", func() bool { return downs() > 0 })
		case 2 * n / 3: // the sends in between were written offline
			srv = servertest.StartIn(t, srv.Dir)
			a.set(srv.Addr)
		}
	}
	converged(t, alice, ab, sa, bob, ba, sb, 2*n)
	checkSendOrder(t, alice, ab)
	checkSendOrder(t, bob, ba)
}

// TestConnectionCutInFlight closes the socket under a client while its
// sends are in flight, several times.
func TestConnectionCutInFlight(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	tap := &tapDialer{}
	alice := newClient(t, a, "alice", WithDialer(tap.dial))
	bob := newClient(t, a, "bob")
	sa, sb := watch(alice), watch(bob)
	ab, ba := pair(t, alice, bob)
	ups := countStates(alice, StateConnected)
	const n = 60
	for i := range n {
		alice.Send(ab, fmt.Sprint("a", i))
		if i%3 == 0 {
			bob.Send(ba, fmt.Sprint("b", i))
		}
		if i%15 == 7 {
			before := ups()
			tap.cut()
			waitFor(t, "reconnect", func() bool { return ups() > before })
		}
	}
	converged(t, alice, ab, sa, bob, ba, sb, n+n/3)
	checkSendOrder(t, alice, ab)
	if ups() < 4 {
		t.Fatalf("connected %d times: the cuts did not take", ups())
	}
}

// countStates counts c's connection events of state s from now on.
func countStates(c *Client, s State) func() int {
	var mu sync.Mutex
	n := 0
	c.OnState(func(cs ConnState) {
		if cs.State == s {
			mu.Lock()
			n++
			mu.Unlock()
		}
	})
	return func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// checkSendOrder: one sender's messages keep the order they were sent in.
func checkSendOrder(t *testing.T, c *Client, topic string) {
	t.Helper()
	prev := -1
	for _, m := range c.Messages(topic) {
		if !m.Own {
			continue
		}
		var i int
		fmt.Sscanf(string(m.Content), `"%c%d"`, new(rune), &i)
		if i <= prev {
			t.Fatalf("own message %s after %d", m.Content, prev)
		}
		prev = i
	}
}

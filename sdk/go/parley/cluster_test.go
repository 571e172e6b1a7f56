package parley

import (
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/cluster/natstest"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// TestClusterFailover gives both clients the addresses of a two-node
// cluster and stops one node mid-stream: the clients dial the other, the
// topic moves there, and the outboxes' resends (same msgids) leave nothing
// lost, nothing shown twice, everything in the server's seq order.
func TestClusterFailover(t *testing.T) {
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	var nodes [2]*servertest.Server
	for i := range nodes {
		nodes[i] = servertest.Start(t, func(c *server.Config) {
			c.Store, c.NATS, c.ClusterLease = db, ns.URL(), server.Duration(2*time.Second)
		})
	}
	addrs := WithAddresses(nodes[0].Addr, nodes[1].Addr)
	alice := newClient(t, &addr{s: nodes[0].Addr}, "alice", addrs)
	bob := newClient(t, &addr{s: nodes[1].Addr}, "bob", addrs)
	sa, sb := watch(alice), watch(bob)
	ab, ba := pair(t, alice, bob)
	const n = 30
	var first *Message
	for i := range n {
		m := alice.Send(ab, fmt.Sprint("a", i))
		bob.Send(ba, fmt.Sprint("b", i))
		if i == 0 {
			first = m
		}
		if i == n/3 {
			waitFor(t, "first ack", func() bool { return first.Seq() != 0 })
			nodes[0].Stop()
		}
	}
	converged(t, alice, ab, sa, bob, ba, sb, 2*n)
	checkSendOrder(t, alice, ab)
	checkSendOrder(t, bob, ba)
}

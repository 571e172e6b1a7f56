package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/cluster/natstest"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// startCluster starts n gateways on one fresh PostgreSQL database and a
// NATS server of the test's own.
func startCluster(t *testing.T, n int) []*servertest.Server {
	t.Helper()
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	nodes := make([]*servertest.Server, n)
	for i := range nodes {
		nodes[i] = servertest.Start(t, func(c *server.Config) {
			c.Store, c.NATS, c.ClusterLease = db, ns.URL(), server.Duration(2*time.Second)
		})
	}
	return nodes
}

// Two users on two nodes of a cluster talk as on one: the topic's owner is
// one node, the other forwards its session's requests there, and replies,
// messages and the {pres what=msg} on "me" come back to it.
func TestClusterAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2)
	alice := nodes[0].Connect(t, "alice")
	bob := nodes[1].Connect(t, "bob")
	mustCode(t, "bob's me", bob.Sub("me"), 200)
	mustCode(t, "alice's sub", alice.Sub(bob.User), 200)

	// Bob is attached to "me" only: a message is announced there.
	mustCode(t, "alice's pub", alice.Pub(bob.User, "hello", "m1"), 202)
	bob.Until("pres msg on me", func(m servertest.Msg) bool {
		return m.Get("pres.topic") == "me" && m.Get("pres.what") == "msg" && m.Get("pres.src") == alice.User
	})

	mustCode(t, "bob's sub", bob.Sub(alice.User), 200)
	bob.Until("data m1, caught up on attaching", func(m servertest.Msg) bool { return m.Int("data.seq") == 1 })
	for i, id := range []string{"m2", "m3"} {
		ctrl := alice.Pub(bob.User, "hello", id)
		if ctrl.Code() != 202 || ctrl.Int("params.seq") != i+2 {
			t.Fatalf("pub %s: %v, want 202 seq %d", id, ctrl, i+2)
		}
		data := bob.Until("data "+id, func(m servertest.Msg) bool { return m.Get("data") != nil })
		if data.Int("data.seq") != i+2 || data.Get("data.topic") != alice.User {
			t.Fatalf("bob got %v, want seq %d on %s", data, i+2, alice.User)
		}
	}
	// And the other way, acknowledged on the node that forwarded it.
	ctrl := bob.Pub(alice.User, "hi", "b1")
	if ctrl.Code() != 202 || ctrl.Int("params.seq") != 4 {
		t.Fatalf("bob's pub: %v, want 202 seq 4", ctrl)
	}
	retry := bob.Pub(alice.User, "hi", "b1")
	if retry.Int("params.seq") != 4 || retry.Get("params.duplicate") != true {
		t.Fatalf("bob's retry: %v, want the original seq 4 as a duplicate", retry)
	}
}

// When the owner of a topic stops, the sessions attached to it through
// another node are disconnected with 4012, come back, and the topic goes on
// on a surviving node with the next seq.
func TestClusterOwnerMoves(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2)
	alice := nodes[0].Connect(t, "alice")
	bob := nodes[1].Connect(t, "bob")
	mustCode(t, "alice's sub", alice.Sub(bob.User), 200) // node 0 owns the topic now
	mustCode(t, "bob's sub", bob.Sub(alice.User), 200)
	mustCode(t, "bob's pub", bob.Pub(alice.User, "one", "b1"), 202)

	nodes[0].Stop()
	err := bob.ReadErr()
	if err == nil || !strings.Contains(err.Error(), "4012") {
		t.Fatalf("bob's session ended with %v, want close 4012", err)
	}
	bob = nodes[1].Dial(t)
	bob.Hi()
	mustCode(t, "bob's login", bob.Login("bob", "pass123"), 200)
	mustCode(t, "bob's sub again", bob.Sub(alice.User), 200)
	ctrl := bob.Pub(alice.User, "two", "b2")
	if ctrl.Code() != 202 || ctrl.Int("params.seq") != 2 {
		t.Fatalf("pub on the new owner: %v, want 202 seq 2", ctrl)
	}
}

// Online status is the cluster's: a user whose sessions on one node end
// while one on another node lives is not announced offline; when the last
// ends, contacts on any node hear {pres off}.
func TestClusterPresence(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2)
	alice := nodes[0].Connect(t, "alice")
	bob := nodes[1].Connect(t, "bob")
	mustCode(t, "alice's sub", alice.Sub(bob.User), 200)
	mustCode(t, "bob's sub", bob.Sub(alice.User), 200)
	mustCode(t, "bob's me", bob.Sub("me"), 200)

	again := nodes[1].Dial(t)
	again.Hi()
	mustCode(t, "alice on the other node", again.Login("alice", "pass123"), 200)
	mustCode(t, "alice's second sub", again.Sub(bob.User), 200)
	alice.Close()
	// A message from alice's remaining session, after her first one ended:
	// bob must see no {pres off} for her before it.
	mustCode(t, "alice's pub", again.Pub(bob.User, "still here", "a1"), 202)
	bob.Until("alice's message", func(m servertest.Msg) bool {
		if m.Get("pres.src") == again.User && m.Get("pres.what") == "off" {
			t.Fatalf("bob heard alice go offline while she has a session: %v", m)
		}
		return m.Get("data.head.msgid") == "a1"
	})
	again.Close()
	bob.Until("alice offline", func(m servertest.Msg) bool {
		return m.Get("pres.src") == again.User && m.Get("pres.what") == "off"
	})
}

// A device comes back on another node exactly where it was: its own mark,
// kept by the topic's owner, not another device's nor its old node's.
func TestClusterDeviceResumesOnAnotherNode(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2)
	peer, user := anon(t, nodes[0]), anon(t, nodes[0])
	user.Close()
	mustCode(t, "peer sub", peer.Sub(user.User), 200) // node 0 owns the topic
	devA, devB := device(t, nodes[0], user.Token, "dev-a"), device(t, nodes[1], user.Token, "dev-b")
	mustCode(t, "a sub", devA.Sub(peer.User), 200)
	mustCode(t, "b sub", devB.Sub(peer.User), 200)
	publish(t, peer, user.User, 1, 20)
	readData(t, devA, 1, 20)
	readData(t, devB, 1, 20)
	ackAndSync(t, devB, peer.User, 10) // B, on node 1, got to 10
	devB.Close()
	ackAndSync(t, devA, peer.User, 20)

	devB = device(t, nodes[0], user.Token, "dev-b") // back, on node 0
	mustCode(t, "b resub", devB.Sub(peer.User), 200)
	readData(t, devB, 11, 20)
	devA.Close()
	devA = device(t, nodes[1], user.Token, "dev-a") // and A, on node 1
	mustCode(t, "a resub", devA.Sub(peer.User), 200)
	descOf(t, devA, peer.User) // nothing pushed: A had everything
}

// --nats needs a nats:// URL, a PostgreSQL store the nodes share, and a
// lease of at least a second.
func TestClusterSettingsValidated(t *testing.T) {
	for _, tc := range []struct {
		store, nats string
		lease       time.Duration
		want        string
	}{
		{"", "nats://127.0.0.1:4222", 10 * time.Second, "needs store"},
		{"postgres://p@h:5432/d", "http://127.0.0.1:4222", 10 * time.Second, "nats://"},
		{"postgres://p@h:5432/d", "nats://127.0.0.1:4222", time.Millisecond, "cluster_lease"},
	} {
		cfg := server.Defaults()
		cfg.Store, cfg.NATS, cfg.ClusterLease = tc.store, tc.nats, server.Duration(tc.lease)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(store %q, nats %q, lease %v) = %v, want an error about %s", tc.store, tc.nats, tc.lease, err, tc.want)
		}
	}
	cfg := server.Defaults()
	cfg.Store, cfg.NATS = "postgres://p@h:5432/d", "nats://127.0.0.1:4222"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate(a cluster node) = %v", err)
	}
}

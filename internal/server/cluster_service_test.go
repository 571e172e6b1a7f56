package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/server/servertest"
)

// The customer-service layer's writes reach a service topic owned by
// another node: a post comes back with its seq (and its msgid's original
// seq when repeated), a membership change lets the new member in, and an
// {info} reaches the sessions attached on the owner.
func TestClusterServiceWritesForwarded(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2)
	alice := nodes[0].Connect(t, "alice")
	bob := nodes[0].Connect(t, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Node 1 opens alice's service topic and runs its actor first (a
	// membership change goes through the actor), so it owns it.
	owner := nodes[1].Server().HubForTest()
	aliceID := proto.ParseUserID(alice.User)
	topic, err := owner.OpenServiceTopic(ctx, aliceID, nil)
	if err == nil {
		err = owner.SetMember(ctx, topic, aliceID, hub.ModeCustomer, proto.ZeroUid)
	}
	if err != nil {
		t.Fatalf("opening the service topic on node 1: %v", err)
	}
	mustCode(t, "alice's sub through node 0", alice.Sub(topic), 200)

	other := nodes[0].Server().HubForTest()
	seq, err := other.Post(ctx, topic, proto.ZeroUid, "ev1", map[string]any{"event": "opened"}, "hello")
	if err != nil || seq != 1 {
		t.Fatalf("post from node 0: seq %d, %v; want seq 1", seq, err)
	}
	alice.Until("the posted event", func(m servertest.Msg) bool {
		return m.Get("data.topic") == topic && m.Int("data.seq") == 1 && m.Get("data.head.event") == "opened"
	})
	if again, err := other.Post(ctx, topic, proto.ZeroUid, "ev1", nil, "hello"); err != nil || again != 1 {
		t.Fatalf("repeated post: seq %d, %v; want the original seq 1", again, err)
	}

	if err := other.SetMember(ctx, topic, proto.ParseUserID(bob.User), hub.ModeCustomer, proto.ZeroUid); err != nil {
		t.Fatalf("membership from node 0: %v", err)
	}
	mustCode(t, "bob's sub after being let in", bob.Sub(topic), 200)

	other.TopicInfo(topic, "queue", map[string]any{"position": 3})
	alice.Until("the {info} from node 0", func(m servertest.Msg) bool {
		return m.Get("info.topic") == topic && m.Get("info.what") == "queue"
	})
}

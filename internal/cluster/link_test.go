package cluster

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-im/parley/internal/cluster/natstest"
	"github.com/parley-im/parley/internal/proto"
)

// bareNode is a node with a NATS connection and its subject, but no store
// and no hub: enough for links and the roster's "online" items.
func bareNode(t *testing.T, url string) *Node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{id: randomID(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), ctx: ctx, cancel: cancel,
		links: map[string]*link{}, roster: map[proto.Uid]map[string]bool{}, left: map[string]bool{},
		applied: map[linkKey]uint64{}}
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Subscribe(subjectOf(n.id), n.receive); err != nil {
		t.Fatal(err)
	}
	n.nc = nc
	t.Cleanup(func() { cancel(); nc.Close() })
	return n
}

func onlineCount(n *Node) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.roster)
}

// A batch whose acknowledgement was lost comes again with the same number:
// it is acknowledged, not applied a second time.
func TestRepeatedBatchAppliedOnce(t *testing.T) {
	n := &Node{log: slog.New(slog.NewTextHandler(io.Discard, nil)), roster: map[proto.Uid]map[string]bool{},
		applied: map[linkKey]uint64{}}
	send := func(seq uint64, on bool) {
		b, _ := json.Marshal(envelope{From: "a", Link: "l", Seq: seq, Items: []item{{Kind: kindOnline, User: 7, OK: on}}})
		n.receive(&nats.Msg{Data: b})
	}
	send(1, true)
	// The same batch number again, with different content: a repeat must
	// not be applied (an "off" here would need a hub to announce it).
	send(1, false)
	if onlineCount(n) != 1 {
		t.Fatalf("roster %v: the repeated batch was applied", n.roster)
	}
	send(3, false) // a batch out of order is not applied either
	if onlineCount(n) != 1 || n.applied[linkKey{"a", "l"}] != 1 {
		t.Fatalf("roster %v, applied %v: a batch out of order was applied", n.roster, n.applied)
	}
}

// Everything queued on a link arrives, once, across a restart of NATS in
// the middle.
func TestLinkSurvivesNATSRestart(t *testing.T) {
	ns := natstest.Start(t)
	a, b := bareNode(t, ns.URL()), bareNode(t, ns.URL())
	l := a.linkTo(b.id)
	const users = 400
	for i := range users {
		if i == users/2 {
			ns.Restart()
		}
		l.send(item{Kind: kindOnline, User: proto.Uid(i + 1), OK: true})
	}
	deadline := time.Now().Add(30 * time.Second)
	for onlineCount(b) < users {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d users arrived", onlineCount(b), users)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	for !l.idle() { // the last acknowledgement may still be on its way
		if time.Now().After(deadline) {
			t.Fatal("the link still has work after everything arrived")
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

package postgres

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// A shard changes hands only once its lease expired, the epoch rises when it
// does, and renewals keep it with its holder.
func TestLeaseChangesHandsOnlyWhenExpired(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	a, err := s.AcquireLease(ctx, 7, "a", time.Hour)
	if err != nil || a.Node != "a" || a.Epoch != 1 {
		t.Fatalf("first take: %+v, %v", a, err)
	}
	b, err := s.AcquireLease(ctx, 7, "b", time.Hour)
	if err != nil || b.Node != "a" || b.Epoch != 1 {
		t.Fatalf("take of a held lease: %+v, %v; want a's, epoch 1", b, err)
	}
	again, err := s.AcquireLease(ctx, 7, "a", time.Hour)
	if err != nil || again.Node != "a" || again.Epoch != 1 {
		t.Fatalf("holder taking again: %+v, %v; want epoch 1 kept", again, err)
	}
	held, err := s.RenewLeases(ctx, "a", []int{7, 8}, time.Millisecond)
	if err != nil || len(held) != 1 || held[0].Shard != 7 {
		t.Fatalf("renew: %+v, %v; want shard 7 only", held, err)
	}
	if !pollUntil(2*time.Second, func() bool {
		l, err := s.AcquireLease(ctx, 7, "b", time.Hour)
		return err == nil && l.Node == "b"
	}) {
		t.Fatal("b never took the expired lease")
	}
	ls, err := s.ReadLeases(ctx, []int{7})
	if err != nil || len(ls) != 1 || ls[0].Epoch != 2 {
		t.Fatalf("after the change of hands: %+v, %v; want epoch 2", ls, err)
	}
	if held, err := s.RenewLeases(ctx, "a", []int{7}, time.Hour); err != nil || len(held) != 0 {
		t.Fatalf("a renewing a lost lease: %+v, %v; want nothing held", held, err)
	}
}

// An Append fenced by a lease that moved on stores nothing, alone or in a
// batch with others; the current holder's goes through.
func TestStaleFenceRefused(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	createTestTopic(t, s)
	old, err := s.AcquireLease(ctx, 3, "old", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var cur store.Lease
	if !pollUntil(2*time.Second, func() bool {
		cur, err = s.AcquireLease(ctx, 3, "new", time.Hour)
		return err == nil && cur.Node == "new"
	}) {
		t.Fatal("the lease never expired")
	}
	stale := store.WithFence(ctx, store.Fence{Shard: 3, Node: "old", Epoch: old.Epoch})
	fresh := store.WithFence(ctx, store.Fence{Shard: 3, Node: "new", Epoch: cur.Epoch})
	// Both at once, so the committer is likely to put them in one batch.
	var wg sync.WaitGroup
	var staleErr, freshErr error
	var freshRes []store.AppendResult
	wg.Go(func() { _, staleErr = s.Append(stale, []*store.Message{msg("from the stale owner")}) })
	wg.Go(func() { freshRes, freshErr = s.Append(fresh, []*store.Message{msg("from the owner")}) })
	wg.Wait()
	if !errors.Is(staleErr, store.ErrFenced) {
		t.Errorf("stale owner's append: %v, want ErrFenced", staleErr)
	}
	if freshErr != nil || freshRes[0].SeqID != 1 {
		t.Fatalf("owner's append: %+v, %v; want seq 1", freshRes, freshErr)
	}
	msgs, err := s.GetMessages(ctx, testTopic, 0, store.MessageQuery{})
	if err != nil || len(msgs) != 1 || msgs[0].MsgID != "from the owner" {
		t.Fatalf("stored: %+v, %v; want only the owner's message", msgs, err)
	}
}

// Heartbeats list the nodes alive, and a released node is gone at once with
// its leases free.
func TestHeartbeatAndRelease(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	if _, err := s.Heartbeat(ctx, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	nodes, err := s.Heartbeat(ctx, "b", time.Hour)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("nodes: %v, %v; want a and b", nodes, err)
	}
	if _, err := s.AcquireLease(ctx, 1, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseNode(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if nodes, err := s.Heartbeat(ctx, "b", time.Hour); err != nil || len(nodes) != 1 || nodes[0] != "b" {
		t.Fatalf("after a's release: %v, %v; want b", nodes, err)
	}
	if l, err := s.AcquireLease(ctx, 1, "b", time.Hour); err != nil || l.Node != "b" || l.Epoch != 2 {
		t.Fatalf("b taking a's released shard: %+v, %v; want b, epoch 2", l, err)
	}
}

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Schema(t, pgtest.Database(t)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pollUntil checks cond until it holds or the timeout passes.
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	return true
}

// The router's writes of conversation rows are fenced by its lease row as
// appends are by a shard's: after another node took the router over, the
// old router's save is refused and stores nothing, the new one's is stored.
func TestStaleRouterFenceRefused(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	createTestTopic(t, s)
	const routerRow = 256 // cluster.RouterShard: past every topic's shard
	old, err := s.AcquireLease(ctx, routerRow, "old", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var cur store.Lease
	if !pollUntil(2*time.Second, func() bool {
		cur, err = s.AcquireLease(ctx, routerRow, "new", time.Hour)
		return err == nil && cur.Node == "new"
	}) {
		t.Fatal("the router's lease never expired")
	}
	stale := store.WithFence(ctx, store.Fence{Shard: routerRow, Node: "old", Epoch: old.Epoch})
	fresh := store.WithFence(ctx, store.Fence{Shard: routerRow, Node: "new", Epoch: cur.Epoch})
	conv := func(agent proto.Uid) *store.Conversation {
		return &store.Conversation{Topic: testTopic, Customer: 7, Team: "sales", State: store.ConvAssigned,
			Agent: agent, LastAgent: agent, Ticket: 1, QueuedAt: time.Now(), AssignedAt: time.Now()}
	}
	// Both at once, so the committer is likely to put them in one batch.
	var wg sync.WaitGroup
	var staleErr, freshErr error
	wg.Go(func() { staleErr = s.SaveConversation(stale, conv(100)) })
	wg.Go(func() { freshErr = s.SaveConversation(fresh, conv(200)) })
	wg.Wait()
	if !errors.Is(staleErr, store.ErrFenced) {
		t.Errorf("stale router's save: %v, want ErrFenced", staleErr)
	}
	if freshErr != nil {
		t.Fatalf("current router's save: %v", freshErr)
	}
	got, err := s.GetConversation(ctx, testTopic)
	if err != nil || got.Agent != 200 {
		t.Fatalf("stored %+v, %v; want the current router's (agent 200)", got, err)
	}
	// A later save of the stale router, alone, changes nothing either.
	if err := s.SaveConversation(stale, conv(100)); !errors.Is(err, store.ErrFenced) {
		t.Errorf("stale router's second save: %v, want ErrFenced", err)
	}
	if got, err := s.GetConversation(ctx, testTopic); err != nil || got.Agent != 200 {
		t.Fatalf("after the stale save: %+v, %v; want agent 200", got, err)
	}
}

package desk_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// routerRow is the lease row of the cluster's router (cluster.RouterShard).
const routerRow = 256

// Two routers at once, as when a node keeps running its router after its
// lease expired (a pause, a partition from PostgreSQL) and another node
// took the router over: the old router's decision is refused by the store
// and carried out nowhere — no conversation row, no membership — and the
// old router is told to stop, so the agent's capacity the new router
// counts is never exceeded.
func TestStaleRouterFenced(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.Schema(t, pgtest.Database(t)), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hash := func(_ context.Context, p string) ([]byte, error) { return []byte("hash:" + p), nil }
	deps := desk.Deps{Users: st, Staff: st, Hash: hash,
		CloseUser: func(proto.Uid, proto.Disconnect) {}, UserChanged: func(proto.Uid) {}}
	d, err := desk.New(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	ann := salesAgentOfOne(t, d)
	now := time.Now()
	carl, dave := proto.Uid(701), proto.Uid(702)
	for _, uid := range []proto.Uid{carl, dave} {
		if err := st.CreateUser(ctx, &store.User{ID: uid, CreatedAt: now, UpdatedAt: now}, nil); err != nil {
			t.Fatal(err)
		}
	}
	h := hub.New(st, hub.DefaultLimits, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(h.Shutdown)

	// The old node's lease expires and the new node takes the router over.
	old, err := st.AcquireLease(ctx, routerRow, "old", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var cur store.Lease
	for deadline := time.Now().Add(5 * time.Second); ; {
		if cur, err = st.AcquireLease(ctx, routerRow, "new", time.Hour); err == nil && cur.Node == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old lease never expired: %+v, %v", cur, err)
		}
		time.Sleep(5 * time.Millisecond) // waiting for the database's clock, with a deadline
	}
	fenced := make(chan *desk.Router, 1)
	start := func(f store.Fence) *desk.Router {
		t.Helper()
		dir, err := desk.New(ctx, deps) // each router listens to a directory of its own
		if err != nil {
			t.Fatal(err)
		}
		rt, err := desk.StartRouter(ctx, desk.RouterConfig{Desk: dir, Hub: h, Conversations: st, HookedByCaller: true,
			Fence: &f, Fenced: func(rt *desk.Router) { fenced <- rt }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.SetStatus(ctx, ann, desk.StatusOnline); err != nil {
			t.Fatal(err)
		}
		return rt
	}
	stale := start(store.Fence{Shard: routerRow, Node: "old", Epoch: old.Epoch})
	current := start(store.Fence{Shard: routerRow, Node: "new", Epoch: cur.Epoch})
	t.Cleanup(current.Stop)

	// Each router, believing it alone decides, gives ann a customer.
	if res, err := stale.Open(ctx, carl, "sales"); err != nil || res.State != store.ConvAssigned {
		t.Fatalf("the stale router's open: %+v, %v", res, err)
	}
	select {
	case rt := <-fenced:
		if rt != stale {
			t.Fatal("the current router was fenced")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stale router's save was not refused")
	}
	stale.Stop()
	res, err := current.Open(ctx, dave, "sales")
	if err != nil || res.State != store.ConvAssigned {
		t.Fatalf("the current router's open: %+v, %v", res, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		open, err := st.OpenConversations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) == 1 && open[0].Topic == res.Topic && open[0].Agent == ann {
			break
		}
		if len(open) > 1 || time.Now().After(deadline) {
			t.Fatalf("open conversations %+v, want only dave's, held by ann", open)
		}
		time.Sleep(20 * time.Millisecond) // the save is carried out behind the answer; polling with a deadline
	}
	if _, err := st.GetConversation(ctx, hub.ServiceTopic(carl)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the stale router's conversation was saved: %v", err)
	}
	if sub, err := st.GetSub(ctx, hub.ServiceTopic(carl), ann); err == nil && sub.ModeGiven.IsSet(proto.ModeRead) {
		t.Errorf("ann was made a member of carl's topic by the stale router: %+v", sub)
	}
	select {
	case <-fenced:
		t.Error("the current router was fenced")
	default:
	}
}

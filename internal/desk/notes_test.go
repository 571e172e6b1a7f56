package desk_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// A message the router heard of is counted before an action that arrives
// after it: an agent's answer followed at once by the close is in the
// closed conversation's counts (issue 17: the cluster's note of a message
// used to pass through a goroutine of its own and lose the race).
func TestMessageCountedBeforeTheCloseThatFollows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := f.open(t)
	ann := salesAgentOfOne(t, d)
	customer := proto.Uid(777)
	now := time.Now()
	if err := f.st.CreateUser(ctx, &store.User{ID: customer, CreatedAt: now, UpdatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	h := hub.New(f.st, hub.DefaultLimits, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(h.Shutdown)
	rt, err := desk.StartRouter(ctx, desk.RouterConfig{Desk: d, Hub: h, Conversations: f.st, HookedByCaller: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Stop)
	if _, err := rt.SetStatus(ctx, ann, desk.StatusOnline); err != nil {
		t.Fatal(err)
	}
	const rounds = 30
	for i := range rounds {
		res, err := rt.Open(ctx, customer, "sales")
		if err != nil || res.State != store.ConvAssigned {
			t.Fatalf("round %d: open %+v %v, want assigned to ann", i, res, err)
		}
		rt.Published(res.Topic, ann, 1000+i, nil)
		if err := rt.Close(ctx, res.Topic, ann, ""); err != nil {
			t.Fatalf("round %d: close: %v", i, err)
		}
	}
	// The closed conversations are saved by the effects goroutine.
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := f.st.ClosedConversations(ctx, now.Add(-time.Minute), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == rounds {
			for i, c := range list {
				if c.AgentMessages != 1 {
					t.Fatalf("closed conversation %d counts %d messages of the agent, want 1", i, c.AgentMessages)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d closed conversations saved, want %d", len(list), rounds)
		}
		time.Sleep(20 * time.Millisecond) // polling the store, with a deadline
	}
}

// salesAgentOfOne adds team sales and its agent ann, who takes one
// conversation at a time, and returns ann's user id.
func salesAgentOfOne(t *testing.T, d *desk.Desk) proto.Uid {
	t.Helper()
	ctx := context.Background()
	if _, err := d.AddTeam(ctx, "sales", ""); err != nil {
		t.Fatal(err)
	}
	one := 1
	m, err := d.AddStaff(ctx, desk.NewStaff{Login: "ann", Password: "pass123", Role: store.RoleAgent,
		Teams: []string{"sales"}, Capacity: &one})
	if err != nil {
		t.Fatal(err)
	}
	return proto.ParseUserID(m.User)
}

package desk

import (
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// TestBotHandOff: a team with a robot opens conversations in state bot,
// outside the queue; a hand-off queues them behind those who asked for a
// person earlier, and a returning customer's agent gets them first.
func TestBotHandOff(t *testing.T) {
	r := newRouting(func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) })
	r.bot = func(team string) bool { return team == "sales" }
	r.setTeam("sales", store.OnOfflineRequeue)
	r.setTeam("vip", store.OnOfflineRequeue)
	botTopic, humanTopic := proto.GroupName(100), proto.GroupName(101)

	if c := r.open(botTopic, 100, "sales", 0, false, false); c.State != store.ConvBot {
		t.Fatalf("state %q, want bot", c.State)
	}
	if ev := r.take(); len(ev) != 1 || ev[0].Kind != EvBot {
		t.Fatalf("events %+v, want one bot event", ev)
	}
	if p, _, _ := r.position(botTopic); p != 0 {
		t.Errorf("a bot conversation at queue position %d", p)
	}
	if c := r.open(humanTopic, 101, "sales", 0, false, true); c.State != store.ConvQueued {
		t.Fatalf("asking for a person: state %q, want queued", c.State)
	}
	if c := r.open(proto.GroupName(102), 102, "vip", 0, false, false); c.State != store.ConvQueued {
		t.Fatalf("a team without a robot: state %q, want queued", c.State)
	}
	r.take()
	if err := r.handOff(botTopic); err != nil {
		t.Fatal(err)
	}
	if ev := r.take(); len(ev) != 1 || ev[0].Kind != EvQueued || ev[0].Conv.State != store.ConvQueued {
		t.Fatalf("hand-off events %+v, want one queued event", ev)
	}
	if p, _, _ := r.position(botTopic); p != 2 {
		t.Errorf("handed off at position %d, want 2 (behind the one who asked for a person first)", p)
	}
	// A second hand-off changes nothing.
	if err := r.handOff(botTopic); err != nil || len(r.take()) != 0 {
		t.Errorf("second hand-off: %v, events %v", err, r.take())
	}
	if err := r.handOff(proto.GroupName(999)); err != ErrNoConversation {
		t.Errorf("hand-off of nothing: %v", err)
	}
	// A returning customer with the robot goes to their last agent.
	r.setAgent(7, 2, []string{"sales"}, true)
	r.setStatus(7, StatusOnline)
	r.closeConv(botTopic, 100, "")
	r.take()
	c := r.open(botTopic, 100, "sales", 7, true, false)
	r.setStatus(7, StatusBusy)
	if c.State != store.ConvBot {
		t.Fatalf("returning: %q, want bot", c.State)
	}
	r.setStatus(7, StatusOnline)
	r.take()
	r.handOff(botTopic)
	if c.State != store.ConvAssigned || c.Agent != 7 {
		t.Errorf("returning customer handed off: %q to %v, want assigned to their last agent", c.State, c.Agent)
	}
}

// TestBotRestore: a bot conversation comes back with the robot, not in a
// queue.
func TestBotRestore(t *testing.T) {
	r := newRouting(time.Now)
	r.setTeam("sales", store.OnOfflineRequeue)
	r.restore(store.Conversation{Topic: proto.GroupName(5), Customer: 5, Team: "sales", State: store.ConvBot, Ticket: 3})
	if c := r.convs[proto.GroupName(5)]; c == nil || c.State != store.ConvBot || len(r.teams["sales"].queue) != 0 {
		t.Fatalf("restored %+v, queue %d", c, len(r.teams["sales"].queue))
	}
}

package desk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// sim drives routing with random events and checks the invariants after
// every one. It keeps its own model of which conversations are open (to
// catch a lost one) and the "store": the latest conversation each event
// carried, which is what the server saves and rebuilds from.
type sim struct {
	t       *testing.T
	rng     *rand.Rand
	clock   time.Time
	r       *routing
	teams   []string
	policy  map[string]string
	agents  []proto.Uid
	caps    map[proto.Uid]int
	member  map[proto.Uid][]string
	status  map[proto.Uid]string
	open    map[string]bool               // topics with an open conversation, by the model
	saved   map[string]store.Conversation // the store
	holder  map[string]proto.Uid          // topic → agent, from the events
	events  int
	assigns int
}

func newSim(t *testing.T, seed uint64) *sim {
	s := &sim{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		clock: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), teams: []string{"sales", "billing", "vip"},
		policy: map[string]string{"sales": store.OnOfflineRequeue, "billing": store.OnOfflineRequeue, "vip": store.OnOfflineKeep},
		caps:   map[proto.Uid]int{}, member: map[proto.Uid][]string{}, status: map[proto.Uid]string{},
		open: map[string]bool{}, saved: map[string]store.Conversation{}, holder: map[string]proto.Uid{}}
	s.r = s.fresh()
	for i := range 20 {
		uid := proto.Uid(1000 + i)
		s.agents = append(s.agents, uid)
		s.caps[uid] = 1 + s.rng.IntN(5)
		s.member[uid] = s.randomTeams()
		s.status[uid] = StatusOffline
		s.r.setAgent(uid, s.caps[uid], s.member[uid], true)
		s.drain()
	}
	return s
}

func (s *sim) now() time.Time { return s.clock }

func (s *sim) fresh() *routing {
	r := newRouting(s.now)
	for _, t := range s.teams {
		r.setTeam(t, s.policy[t])
	}
	return r
}

func (s *sim) randomTeams() []string {
	var out []string
	for _, t := range s.teams {
		if s.rng.IntN(2) == 0 {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = []string{s.teams[s.rng.IntN(len(s.teams))]}
	}
	return out
}

// drain applies the events to the "store" and checks what they say.
func (s *sim) drain() {
	s.checkMoved(s.r.takeMoved())
	for _, e := range s.r.take() {
		s.events++
		if e.Kind == EvStatus {
			continue
		}
		topic := e.Conv.Topic
		switch e.Kind {
		case EvAssigned:
			if h, ok := s.holder[topic]; ok {
				s.t.Fatalf("event %d: %s assigned to %v while %v holds it", s.events, topic, e.Agent, h)
			}
			s.holder[topic] = e.Agent
			s.assigns++
		case EvUnassigned, EvClosed:
			if e.Agent != 0 && s.holder[topic] != e.Agent {
				s.t.Fatalf("event %d: %s taken from %v, held by %v", s.events, topic, e.Agent, s.holder[topic])
			}
			delete(s.holder, topic)
		}
		s.saved[topic] = e.Conv
	}
}

// check verifies the invariants of the routing state.
func (s *sim) check(step int, what string) {
	s.t.Helper()
	fail := func(format string, args ...any) {
		s.t.Helper()
		s.t.Fatalf("step %d (%s): %s", step, what, fmt.Sprintf(format, args...))
	}
	seen := map[string]string{}
	for _, tm := range s.r.teams {
		for i, c := range tm.queue {
			if i > 0 && tm.queue[i-1].Ticket >= c.Ticket {
				fail("team %s queue out of ticket order at %d", tm.name, i)
			}
			if c.State != store.ConvQueued || c.Team != tm.name {
				fail("%s in %s's queue with state %s team %s", c.Topic, tm.name, c.State, c.Team)
			}
			if where, dup := seen[c.Topic]; dup {
				fail("%s queued in %s and %s", c.Topic, where, tm.name)
			}
			seen[c.Topic] = "queue " + tm.name
		}
	}
	for _, a := range s.r.agents {
		if a.load() > a.capacity {
			fail("agent %v holds %d, capacity %d", a.uid, a.load(), a.capacity)
		}
		for topic, c := range a.convs {
			if where, dup := seen[topic]; dup {
				fail("%s held by %v and in %s", topic, a.uid, where)
			}
			seen[topic] = "agent"
			if c.State != store.ConvAssigned || c.Agent != a.uid || s.holder[topic] != a.uid {
				fail("%s held by %v: state %s agent %v, events say %v", topic, a.uid, c.State, c.Agent, s.holder[topic])
			}
		}
	}
	for topic := range s.open {
		if _, ok := seen[topic]; !ok {
			fail("%s is open but neither queued nor assigned: lost", topic)
		}
		if s.r.convs[topic] == nil {
			fail("%s missing from the open conversations", topic)
		}
	}
	if len(seen) != len(s.open) || len(s.r.convs) != len(s.open) {
		fail("%d placed, %d in routing, %d open", len(seen), len(s.r.convs), len(s.open))
	}
	for _, tm := range s.r.teams {
		if len(tm.queue) == 0 {
			continue
		}
		for _, a := range s.r.agents {
			if a.free(tm.name) {
				fail("%s waits in %s while %v (load %d/%d) is free", tm.queue[0].Topic, tm.name, a.uid, a.load(), a.capacity)
			}
		}
	}
}

// checkFIFO: a conversation assigned from a queue had the smallest
// ticket of its team's queue at that moment.
// A conversation transferred to a named agent is taken out of the queue
// on purpose, so it is left out.
func (s *sim) checkFIFO(step int, before map[string][]int64, events []Event) {
	moved := map[string]bool{}
	for _, e := range events {
		if e.Kind == EvTransferred && e.To != 0 {
			moved[e.Conv.Topic] = true
			q := before[e.Conv.Team]
			if i := slices.Index(q, e.Conv.Ticket); i >= 0 {
				before[e.Conv.Team] = slices.Delete(slices.Clone(q), i, i+1)
			}
		}
		if e.Kind != EvAssigned || moved[e.Conv.Topic] {
			continue
		}
		q := before[e.Conv.Team]
		if len(q) == 0 || !slices.Contains(q, e.Conv.Ticket) {
			continue // not from the queue: a returning customer's last agent or a transfer
		}
		if q[0] != e.Conv.Ticket {
			s.t.Fatalf("step %d: %s (ticket %d) assigned before ticket %d of %s", step, e.Conv.Topic, e.Conv.Ticket, q[0], e.Conv.Team)
		}
		before[e.Conv.Team] = q[1:]
	}
}

func (s *sim) queues() map[string][]int64 {
	out := map[string][]int64{}
	for name, tm := range s.r.teams {
		for _, c := range tm.queue {
			out[name] = append(out[name], c.Ticket)
		}
	}
	return out
}

// restart rebuilds routing from the "store", as the server does.
func (s *sim) restart() {
	s.r = s.fresh()
	for _, a := range s.agents {
		s.r.setAgent(a, s.caps[a], s.member[a], true)
		s.status[a] = StatusOffline
	}
	var open []store.Conversation
	for _, c := range s.saved {
		if c.State != store.ConvClosed {
			open = append(open, c)
		}
	}
	slices.SortFunc(open, func(a, b store.Conversation) int { return int(a.Ticket - b.Ticket) })
	for _, c := range open {
		s.r.restore(c)
		if c.State != store.ConvAssigned {
			delete(s.holder, c.Topic)
		}
	}
	s.r.dispatch()
}

func TestRoutingSimulation(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runSim(t, seed) })
	}
}

func runSim(t *testing.T, seed uint64) {
	s := newSim(t, seed)
	const customers = 1000
	opened, steps := 0, 0
	restarted := false
	for opened < customers || len(s.open) > 0 {
		steps++
		s.clock = s.clock.Add(time.Duration(1+s.rng.IntN(3000)) * time.Millisecond)
		before := s.queues()
		what := ""
		switch k := s.rng.IntN(100); {
		case k < 30 && opened < customers:
			what = s.openOne(&opened)
		case k < 45:
			what = s.flip()
		case k < 75:
			what = s.closeOne()
		case k < 85:
			what = s.transferOne()
		case k < 88:
			what = s.raiseCapacity()
		default:
			what = s.reopenOne()
		}
		events := slices.Clone(s.r.out)
		s.drain()
		s.checkFIFO(steps, before, events)
		s.check(steps, what)
		if !restarted && opened >= customers/2 {
			s.restart()
			s.drain()
			s.check(steps, "restart")
			restarted = true
		}
		if steps > 200000 {
			t.Fatalf("no end after %d steps: %d open", steps, len(s.open))
		}
	}
	if !restarted || s.assigns < customers {
		t.Fatalf("restarted %v, %d assignments for %d customers", restarted, s.assigns, customers)
	}
	t.Logf("seed %d: %d steps, %d events, %d assignments", seed, steps, s.events, s.assigns)
}

func (s *sim) openOne(opened *int) string {
	*opened++
	topic := fmt.Sprintf("grpC%05d", *opened)
	s.r.open(topic, proto.Uid(*opened), s.teams[s.rng.IntN(len(s.teams))], 0, false, false)
	s.open[topic] = true
	return "open " + topic
}

// reopenOne brings back a customer whose conversation is closed, asking
// for their last agent first.
func (s *sim) reopenOne() string {
	for topic, c := range s.saved {
		if c.State == store.ConvClosed && s.rng.IntN(4) == 0 {
			s.r.open(topic, c.Customer, c.Team, c.LastAgent, true, false)
			s.open[topic] = true
			return "reopen " + topic
		}
	}
	return "reopen none"
}

func (s *sim) flip() string {
	a := s.agents[s.rng.IntN(len(s.agents))]
	st := []string{StatusOnline, StatusOnline, StatusOnline, StatusBusy, StatusAway, StatusOffline}[s.rng.IntN(6)]
	s.r.setStatus(a, st)
	s.status[a] = st
	return fmt.Sprintf("%v %s", a, st)
}

func (s *sim) anyOpen() string {
	if len(s.open) == 0 {
		return ""
	}
	keys := make([]string, 0, len(s.open))
	for k := range s.open {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[s.rng.IntN(len(keys))]
}

func (s *sim) closeOne() string {
	topic := s.anyOpen()
	if topic == "" {
		return "close none"
	}
	if err := s.r.closeConv(topic, 1, "done"); err != nil {
		s.t.Fatalf("close %s: %v", topic, err)
	}
	delete(s.open, topic)
	return "close " + topic
}

func (s *sim) transferOne() string {
	topic := s.anyOpen()
	if topic == "" {
		return "transfer none"
	}
	if s.rng.IntN(2) == 0 {
		team := s.teams[s.rng.IntN(len(s.teams))]
		if err := s.r.transfer(topic, 1, 0, team); err != nil {
			s.t.Fatalf("transfer %s to %s: %v", topic, team, err)
		}
		return "transfer " + topic + " to team " + team
	}
	to := s.agents[s.rng.IntN(len(s.agents))]
	err := s.r.transfer(topic, 1, to, "")
	if err != nil && err != ErrNoSlot {
		s.t.Fatalf("transfer %s to %v: %v", topic, to, err)
	}
	return fmt.Sprintf("transfer %s to %v: %v", topic, to, err)
}

func (s *sim) raiseCapacity() string {
	a := s.agents[s.rng.IntN(len(s.agents))]
	s.caps[a]++
	s.r.setAgent(a, s.caps[a], s.member[a], true)
	return fmt.Sprintf("capacity %v %d", a, s.caps[a])
}

// checkMoved: every position told is the conversation's place now or was
// at some point of the step (a later change may move it again); at least
// it must be a queued conversation's.
func (s *sim) checkMoved(moved []Moved) {
	for _, m := range moved {
		if m.Position < 1 {
			s.t.Fatalf("position %d told to %s", m.Position, m.Topic)
		}
	}
}

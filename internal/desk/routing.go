package desk

import (
	"errors"
	"slices"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Agent statuses (agent.status). Only online agents get new conversations.
const (
	StatusOnline  = "online"
	StatusBusy    = "busy"
	StatusAway    = "away"
	StatusOffline = "offline"
)

// Kinds of routing events; the first five are head.event values of the
// messages in the service topic.
const (
	EvQueued      = "queued"
	EvAssigned    = "assigned"
	EvTransferred = "transferred"
	EvClosed      = "closed"
	EvReopened    = "reopened"
	EvBot         = "bot" // the conversation opened with the robot
	EvUnassigned  = "unassigned"
	EvResponded   = "responded" // the assigned agent wrote for the first time
	EvStatus      = "status"    // an agent's status changed (no conversation)
)

// Routing errors, answered by the actions.
var (
	ErrNoConversation = errors.New("no open conversation")
	ErrNoSlot         = errors.New("the agent is not online with a free slot")
	ErrNotAgent       = errors.New("not an agent")
)

// positionsExact is how many queue heads hear every change of their
// position; further back, only every positionsEvery-th place is told, so
// one assignment from a queue of 10,000 costs a few hundred events, not
// 10,000.
const (
	positionsExact = 100
	positionsEvery = 50
)

// Event is one thing routing decided. Conv is the conversation as it is
// after the event, for the store.
type Event struct {
	Kind     string
	Conv     store.Conversation
	Agent    proto.Uid // assigned: the agent; unassigned, closed: the agent who had it
	From, To proto.Uid // transferred
	ToTeam   string    // transferred to a team
	By       proto.Uid // transferred, closed
	Reason   string    // closed
	Position int       // queued
	First    bool      // assigned: the conversation's first assignment
	Status   string    // status: the agent's new status
	// Question is, on bot, the seq of the customer's message that opened
	// the conversation (0: service.open): the robot answers it rather
	// than greet.
	Question int
}

// conv is an open conversation.
type conv struct {
	store.Conversation
}

// agent is a staff member's routing state.
type agent struct {
	uid      proto.Uid
	status   string
	capacity int
	teams    map[string]bool
	convs    map[string]*conv
	idleFrom time.Time // when they were last given a conversation
}

func (a *agent) load() int { return len(a.convs) }

// free reports whether a may take a new conversation of team.
func (a *agent) free(team string) bool {
	return a.status == StatusOnline && a.teams[team] && a.load() < a.capacity
}

// less orders agents for an assignment: lowest load relative to
// capacity, then longest idle, then by id so the choice is deterministic.
func (a *agent) less(b *agent) bool {
	if l, r := a.load()*b.capacity, b.load()*a.capacity; l != r {
		return l < r
	}
	if !a.idleFrom.Equal(b.idleFrom) {
		return a.idleFrom.Before(b.idleFrom)
	}
	return a.uid < b.uid
}

// team is a team's queue, in ticket order.
type team struct {
	name      string
	onOffline string
	queue     []*conv
	// served holds when the latest queue heads were taken (oldest first),
	// the team's recent pace, from which a wait is estimated.
	served []time.Time
}

// etaSamples is how many recent assignments the estimate reads; fewer
// than etaMinSamples give none.
const (
	etaSamples    = 20
	etaMinSamples = 5
)

// eta estimates the wait, in whole seconds, of the conversation at
// position, from the pace at which the team's queue was served lately.
func (t *team) eta(position int) (int, bool) {
	n := len(t.served)
	if n < etaMinSamples || position < 1 {
		return 0, false
	}
	span := t.served[n-1].Sub(t.served[0])
	if span <= 0 {
		return 0, false
	}
	per := span / time.Duration(n-1)
	return int((per * time.Duration(position)).Round(time.Second) / time.Second), true
}

func (t *team) serve(at time.Time) {
	if len(t.served) == etaSamples {
		t.served = append(t.served[:0], t.served[1:]...)
	}
	t.served = append(t.served, at)
}

// routing is the routing state. It is not safe for concurrent use: the
// router actor owns it, and tests drive it directly.
type routing struct {
	now    func() time.Time
	teams  map[string]*team
	agents map[proto.Uid]*agent
	convs  map[string]*conv // open conversations by topic
	ticket int64
	// bot reports whether a team's conversations start with the robot;
	// nil: none do.
	bot   func(team string) bool
	out   []Event
	moved []Moved
}

// Moved says a queued conversation's position changed. It is kept apart
// from the events: one assignment from a long queue moves hundreds, and
// they need no store write.
type Moved struct {
	Topic    string
	Position int
	ETA      int // seconds; valid when HasETA
	HasETA   bool
}

func newRouting(now func() time.Time) *routing {
	return &routing{now: now, teams: map[string]*team{}, agents: map[proto.Uid]*agent{}, convs: map[string]*conv{}}
}

// take returns the events since the last call.
func (r *routing) take() []Event {
	out := r.out
	r.out = nil
	return out
}

// takeMoved returns the position changes since the last call.
func (r *routing) takeMoved() []Moved {
	out := r.moved
	r.moved = nil
	return out
}

func (r *routing) emit(e Event) { r.out = append(r.out, e) }

// setTeam adds a team or changes its offline policy.
func (r *routing) setTeam(name, onOffline string) {
	if t := r.teams[name]; t != nil {
		t.onOffline = onOffline
		return
	}
	r.teams[name] = &team{name: name, onOffline: onOffline}
}

// setAgent adds or changes an agent. A member that is no longer an agent
// (role, disabled) loses their conversations to the queue.
func (r *routing) setAgent(uid proto.Uid, capacity int, teams []string, isAgent bool) {
	a := r.agents[uid]
	if !isAgent {
		if a != nil {
			r.release(a, true)
			delete(r.agents, uid)
			r.dispatch()
		}
		return
	}
	if a == nil {
		a = &agent{uid: uid, status: StatusOffline, convs: map[string]*conv{}}
		r.agents[uid] = a
	}
	a.capacity = capacity
	a.teams = map[string]bool{}
	for _, t := range teams {
		a.teams[t] = true
	}
	r.dispatch()
}

// setStatus changes an agent's status; going offline applies each team's
// offline policy to the agent's conversations.
func (r *routing) setStatus(uid proto.Uid, status string) (*agent, error) {
	a := r.agents[uid]
	if a == nil {
		return nil, ErrNotAgent
	}
	if a.status == StatusOffline && status != StatusOffline {
		a.idleFrom = r.now() // back: idle counts from now, not from yesterday
	}
	if a.status != status {
		r.emit(Event{Kind: EvStatus, Agent: uid, Status: status})
	}
	a.status = status
	if status == StatusOffline {
		r.release(a, false)
	}
	r.dispatch()
	return a, nil
}

// release requeues a's conversations: all of them (force), or those of
// teams whose policy is requeue.
func (r *routing) release(a *agent, force bool) {
	for _, c := range sortedConvs(a.convs) {
		if t := r.teams[c.Team]; force || t == nil || t.onOffline != store.OnOfflineKeep {
			delete(a.convs, c.Topic)
			c.Agent = 0
			r.emit(Event{Kind: EvUnassigned, Conv: c.Conversation, Agent: a.uid})
			r.enqueue(c)
		}
	}
}

func sortedConvs(m map[string]*conv) []*conv {
	out := make([]*conv, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *conv) int { return int(a.Ticket - b.Ticket) })
	return out
}

// open starts a conversation in topic for customer in team: with the
// robot when the team has one and the customer did not ask for a person
// (human), else for the agents (seek).
func (r *routing) open(topic string, customer proto.Uid, teamName string, prefer proto.Uid, reopened, human bool) *conv {
	r.ticket++
	c := &conv{store.Conversation{Topic: topic, Customer: customer, Team: teamName, LastAgent: prefer,
		Ticket: r.ticket, QueuedAt: r.now()}}
	r.convs[topic] = c
	if reopened {
		r.emit(Event{Kind: EvReopened, Conv: c.Conversation})
	}
	if !human && r.bot != nil && r.bot(teamName) {
		c.State = store.ConvBot
		r.emit(Event{Kind: EvBot, Conv: c.Conversation})
		return c
	}
	r.seek(c)
	return c
}

// handOff takes a conversation from the robot to the agents; one not
// with the robot is left as it is.
func (r *routing) handOff(topic string) error {
	c := r.convs[topic]
	if c == nil {
		return ErrNoConversation
	}
	if c.State == store.ConvBot {
		// A new ticket: the queue is served in the order customers asked
		// for a person, not in the order they first wrote.
		r.ticket++
		c.Ticket, c.QueuedAt = r.ticket, r.now()
		r.seek(c)
	}
	return nil
}

// seek gives c, new or from the robot, to an agent: a returning
// customer's last agent first when they are online with a free slot in
// the team, else through the team's queue.
func (r *routing) seek(c *conv) {
	teamName, prefer := c.Team, c.LastAgent
	if a := r.agents[prefer]; a != nil && a.free(teamName) {
		c.State = store.ConvQueued
		r.emit(Event{Kind: EvQueued, Conv: c.Conversation})
		r.assign(c, a)
		return
	}
	r.enqueue(c)
	r.dispatch()
}

// enqueue puts c into its team's queue at its ticket's place.
func (r *routing) enqueue(c *conv) {
	c.State, c.Agent = store.ConvQueued, 0
	t := r.teams[c.Team]
	i, _ := slices.BinarySearchFunc(t.queue, c.Ticket, func(e *conv, k int64) int { return int(e.Ticket - k) })
	t.queue = slices.Insert(t.queue, i, c)
	r.emit(Event{Kind: EvQueued, Conv: c.Conversation, Position: i + 1})
	eta, ok := t.eta(i + 1)
	r.moved = append(r.moved, Moved{Topic: c.Topic, Position: i + 1, ETA: eta, HasETA: ok})
	r.positionsFrom(t, i+1)
}

// dequeue takes c out of its team's queue.
func (r *routing) dequeue(c *conv) {
	t := r.teams[c.Team]
	i, found := slices.BinarySearchFunc(t.queue, c.Ticket, func(e *conv, k int64) int { return int(e.Ticket - k) })
	if !found {
		return
	}
	if i == 0 {
		// The usual case, the head: no copy of the whole queue.
		t.queue[0] = nil
		t.queue = t.queue[1:]
	} else {
		t.queue = slices.Delete(t.queue, i, i+1)
	}
	r.positionsFrom(t, i)
}

// positionsFrom tells the customers from index i on that their position
// changed (bounded, see positionsExact).
func (r *routing) positionsFrom(t *team, i int) {
	for ; i < len(t.queue); i++ {
		if i >= positionsExact {
			if i%positionsEvery != 0 {
				i += positionsEvery - i%positionsEvery - 1
				continue
			}
		}
		eta, ok := t.eta(i + 1)
		r.moved = append(r.moved, Moved{Topic: t.queue[i].Topic, Position: i + 1, ETA: eta, HasETA: ok})
	}
}

// assign gives c, which is in no queue, to a.
func (r *routing) assign(c *conv, a *agent) {
	now := r.now()
	c.State, c.Agent, c.LastAgent = store.ConvAssigned, a.uid, a.uid
	first := c.AssignedAt.IsZero()
	if first {
		c.AssignedAt = now
	}
	a.convs[c.Topic] = c
	a.idleFrom = now
	r.emit(Event{Kind: EvAssigned, Conv: c.Conversation, Agent: a.uid, First: first})
}

// dispatch assigns queue heads while some team has a queue and an agent
// with a free slot; of several such teams, the oldest head goes first.
func (r *routing) dispatch() {
	for {
		var best *team
		var bestAgent *agent
		for _, t := range r.teams {
			if len(t.queue) == 0 || (best != nil && t.queue[0].Ticket > best.queue[0].Ticket) {
				continue
			}
			if a := r.pick(t.name); a != nil {
				best, bestAgent = t, a
			}
		}
		if best == nil {
			return
		}
		c := best.queue[0]
		best.serve(r.now())
		r.dequeue(c)
		r.assign(c, bestAgent)
	}
}

// pick is the agent a conversation of team goes to, nil if none is free.
func (r *routing) pick(team string) *agent {
	var best *agent
	for _, a := range r.agents {
		if a.free(team) && (best == nil || a.less(best)) {
			best = a
		}
	}
	return best
}

// closeConv ends topic's open conversation.
func (r *routing) closeConv(topic string, by proto.Uid, reason string) error {
	c := r.convs[topic]
	if c == nil {
		return ErrNoConversation
	}
	prev := c.Agent
	switch c.State {
	case store.ConvQueued:
		r.dequeue(c)
	case store.ConvAssigned:
		delete(r.agents[prev].convs, topic)
	}
	delete(r.convs, topic)
	c.State, c.Agent, c.ClosedAt = store.ConvClosed, 0, r.now()
	r.emit(Event{Kind: EvClosed, Conv: c.Conversation, Agent: prev, By: by, Reason: reason})
	r.dispatch()
	return nil
}

// transfer moves topic's conversation to agent to, or to team toTeam's
// queue.
func (r *routing) transfer(topic string, by, to proto.Uid, toTeam string) error {
	c := r.convs[topic]
	if c == nil {
		return ErrNoConversation
	}
	var target *agent
	if toTeam == "" {
		target = r.agents[to]
		if target == nil || target.status != StatusOnline || target.load() >= target.capacity || target.uid == c.Agent {
			return ErrNoSlot
		}
	}
	from := c.Agent
	switch c.State {
	case store.ConvQueued:
		r.dequeue(c)
	case store.ConvAssigned:
		delete(r.agents[from].convs, topic)
		r.emit(Event{Kind: EvUnassigned, Conv: c.Conversation, Agent: from})
	}
	c.Transfers++
	if toTeam != "" {
		c.Team = toTeam
	}
	r.emit(Event{Kind: EvTransferred, Conv: c.Conversation, From: from, To: to, ToTeam: toTeam, By: by})
	if target != nil {
		r.assign(c, target)
	} else {
		r.enqueue(c)
	}
	r.dispatch()
	return nil
}

// position is the 1-based place of topic's conversation in its queue, 0
// when it is not queued, with the estimated wait when there is one.
func (r *routing) position(topic string) (int, int, bool) {
	c := r.convs[topic]
	if c == nil || c.State != store.ConvQueued {
		return 0, 0, false
	}
	t := r.teams[c.Team]
	if i, ok := slices.BinarySearchFunc(t.queue, c.Ticket, func(e *conv, k int64) int { return int(e.Ticket - k) }); ok {
		eta, has := t.eta(i + 1)
		return i + 1, eta, has
	}
	return 0, 0, false
}

// restore puts back a stored open conversation after a restart: a queued
// one into its queue, an assigned one into its agent's load (if that agent
// is still an agent; otherwise into the queue).
func (r *routing) restore(sc store.Conversation) {
	c := &conv{sc}
	if c.Ticket > r.ticket {
		r.ticket = c.Ticket
	}
	if r.teams[c.Team] == nil {
		return // the team is gone; nothing can serve it
	}
	r.convs[c.Topic] = c
	if c.State == store.ConvBot {
		return // the robot goes on answering
	}
	if a := r.agents[c.Agent]; c.State == store.ConvAssigned && a != nil {
		a.convs[c.Topic] = c
		return
	}
	t := r.teams[c.Team]
	c.State, c.Agent = store.ConvQueued, 0
	i, _ := slices.BinarySearchFunc(t.queue, c.Ticket, func(e *conv, k int64) int { return int(e.Ticket - k) })
	t.queue = slices.Insert(t.queue, i, c)
}

// message counts a message written in topic's open conversation by its
// customer or its assigned agent; the agent's first one is the first
// response.
func (r *routing) message(topic string, from proto.Uid) {
	c := r.convs[topic]
	switch {
	case c == nil:
	case from == c.Customer:
		c.CustomerMessages++
	case from == c.Agent && c.State == store.ConvAssigned:
		c.AgentMessages++
		if c.FirstResponseAt.IsZero() {
			c.FirstResponseAt = r.now()
			r.emit(Event{Kind: EvResponded, Conv: c.Conversation, Agent: from})
		}
	}
}

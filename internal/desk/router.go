package desk

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// DefaultOfflineGrace is how long an agent whose last session ended stays
// as they were before going offline: a page reload changes nothing.
const DefaultOfflineGrace = 60 * time.Second

// ModeAgent is what an assigned agent (or a joining supervisor) holds on a
// service topic.
const ModeAgent = proto.ModeJoin | proto.ModeRead | proto.ModeWrite | proto.ModePres

// Router is the routing actor: one goroutine owns the routing state, so
// every decision (an arrival, a status change, a close, a transfer) sees
// and leaves a consistent state, with no locks to get wrong. What it
// decides is carried out in order by a second goroutine (effects.go):
// saved, then told to the topic as messages and membership changes.
type Router struct {
	desk    *Desk
	hub     *hub.Hub
	convs   store.Conversations
	replies store.Replies // nil: no quick replies
	log     *slog.Logger
	grace   time.Duration
	bot     Bot
	watch   Watcher

	cmds    chan func()
	notes   chan note // messages counted, for the watcher, the robot and reopening
	metrics *routerMetrics
	effects chan effects
	wrote   chan struct{} // closed when the effects goroutine exits
	stop    context.CancelFunc
	ctx     context.Context
	wg      sync.WaitGroup
	fence   *store.Fence
	onFence func(*Router)
	// fenced is set once a write was refused under fence: nothing the
	// router decides is carried out any more.
	fenced atomic.Bool

	// Owned by the actor goroutine.
	r      *routing
	timers map[proto.Uid]*time.Timer
}

// RouterConfig configures a router.
type RouterConfig struct {
	Desk          *Desk
	Hub           *hub.Hub
	Conversations store.Conversations
	Replies       store.Replies
	Log           *slog.Logger
	OfflineGrace  time.Duration // zero: DefaultOfflineGrace
	// Bot, if set, answers the conversations of the teams it serves
	// before a person does.
	Bot Bot
	// Watcher, if set, hears every conversation event and message.
	Watcher Watcher
	// Fence, if set, is the router's lease in a cluster: every write of
	// the router (its conversation rows, quick replies) carries it, and
	// the store refuses it once another node has taken the router over.
	Fence *store.Fence
	// Fenced, if set, is called (once, on a goroutine of its own) when
	// the store refused a write under Fence: the router has stopped
	// carrying out its decisions and must be stopped.
	Fenced func(*Router)
	// HookedByCaller says the caller hands the router the messages the
	// hub publishes (Published) itself: in a cluster they are written on
	// whichever node owns the topic. Otherwise the router installs its own
	// hook on Hub.
	HookedByCaller bool
}

// Bot is the robot, as routing sees it.
type Bot interface {
	// Serves reports whether conversations of team start with the
	// robot. It is called in the routing actor: it must be quick.
	Serves(team string) bool
	// Heard tells the robot of a customer's message in a conversation
	// it holds. It must not block.
	Heard(m Heard)
	// Opened tells the robot a conversation started with it, so it can
	// greet. It must not block.
	Opened(topic, team string, customer proto.Uid)
}

// Heard is a customer's message in a conversation with the robot.
type Heard struct {
	Topic    string
	Team     string
	Customer proto.Uid
	Seq      int
}

// Watcher hears what happens in conversations, in order: the merchant's
// webhooks. Its methods run on the router's own goroutines, never in a
// topic's actor; they may write to the store.
type Watcher interface {
	// ConversationEvent is a routing event, after it was carried out.
	ConversationEvent(e Event)
	// MessageCreated is a message written in a service topic by a
	// person or the robot (not the server's events, not private notes).
	MessageCreated(topic string, from proto.Uid, seq int, head map[string]any)
}

// StartRouter rebuilds the queues and loads from the store and starts the
// router. Every staff member starts offline; those holding conversations
// get the grace period to come back before their team's offline policy
// applies.
func StartRouter(ctx context.Context, cfg RouterConfig) (*Router, error) {
	if cfg.OfflineGrace <= 0 {
		cfg.OfflineGrace = DefaultOfflineGrace
	}
	open, err := cfg.Conversations.OpenConversations(ctx)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	rt := &Router{desk: cfg.Desk, hub: cfg.Hub, convs: cfg.Conversations, replies: cfg.Replies, log: cfg.Log, grace: cfg.OfflineGrace,
		bot: cfg.Bot, watch: cfg.Watcher, fence: cfg.Fence, onFence: cfg.Fenced,
		cmds: make(chan func(), 4096), effects: make(chan effects, 4096), notes: make(chan note, 4096),
		metrics: newRouterMetrics(), wrote: make(chan struct{}),
		stop: cancel, ctx: rctx, r: newRouting(time.Now), timers: map[proto.Uid]*time.Timer{}}
	// The listener goes in first: a change made while the rebuild runs
	// then waits in cmds, applied after it (setting a team or an agent
	// twice is harmless).
	if cfg.Bot != nil {
		rt.r.bot = cfg.Bot.Serves
	}
	members := cfg.Desk.setListener(rt)
	for _, t := range cfg.Desk.Teams() {
		rt.r.setTeam(t.Name, t.OnOffline)
	}
	for _, m := range members {
		rt.r.setAgent(m.User, m.Capacity, m.Teams, routes(m))
	}
	for _, c := range open {
		rt.r.restore(c)
	}
	for uid, a := range rt.r.agents {
		if len(a.convs) > 0 {
			rt.startGrace(uid)
		}
	}
	rt.r.take() // a rebuild decides nothing new: every agent is offline
	rt.r.takeMoved()
	if !cfg.HookedByCaller {
		cfg.Hub.SetPublishHook(rt.Published)
	}
	rt.wg.Add(1)
	go rt.run()
	go rt.carryOut()
	go rt.takeNotes()
	return rt, nil
}

// effects is what one command decided.
type effects struct {
	events []Event
	moved  []Moved
}

// routes reports whether a staff member takes conversations.
func routes(m store.StaffMember) bool { return m.Role != store.RoleCustomer && !m.Disabled }

// drainTimeout bounds Stop's wait for the messages already heard.
const drainTimeout = 5 * time.Second

// Stop ends the router after the messages heard so far are taken note of
// (counted, told to the robot and the watcher) and the decisions made so
// far are carried out.
func (rt *Router) Stop() {
	done := make(chan struct{})
	// In the actor, after every message counted so far has been handed
	// to takeNotes.
	flush := func() {
		select {
		case rt.notes <- note{flushed: done}:
		default: // the buffer is full: what is in it is lost to the watcher
			close(done)
		}
	}
	select {
	case rt.cmds <- flush:
		select {
		case <-done:
		case <-time.After(drainTimeout):
		}
	case <-time.After(drainTimeout):
	}
	rt.stop()
	rt.wg.Wait()
	close(rt.effects)
	<-rt.wrote
}

func (rt *Router) run() {
	defer rt.wg.Done()
	for {
		select {
		case fn := <-rt.cmds:
			fn()
			if ev, mv := rt.r.take(), rt.r.takeMoved(); len(ev)+len(mv) > 0 {
				rt.effects <- effects{events: ev, moved: mv}
			}
		case <-rt.ctx.Done():
			for _, t := range rt.timers {
				t.Stop()
			}
			return
		}
	}
}

var errStopped = errors.New("the router has stopped")

// do runs fn in the actor and waits for it.
func (rt *Router) do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case rt.cmds <- func() { fn(); close(done) }:
	case <-rt.ctx.Done():
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-rt.ctx.Done():
		return errStopped
	}
}

// async runs fn in the actor without waiting (timers, hooks).
func (rt *Router) async(fn func()) {
	select {
	case rt.cmds <- fn:
	case <-rt.ctx.Done():
	}
}

// staffChanged applies a saved staff record (desk calls it).
func (rt *Router) staffChanged(m store.StaffMember) {
	rt.async(func() { rt.r.setAgent(m.User, m.Capacity, m.Teams, routes(m)) })
}

// teamChanged applies a saved team (desk calls it).
func (rt *Router) teamChanged(t store.Team) {
	rt.async(func() { rt.r.setTeam(t.Name, t.OnOffline) })
}

// SessionEnded starts the grace period of an agent one of whose sessions
// ended; another end restarts it. When it expires the agent goes offline
// unless a session of theirs is live again.
func (rt *Router) SessionEnded(uid proto.Uid) {
	rt.async(func() {
		if a := rt.r.agents[uid]; a != nil && (a.status != StatusOffline || len(a.convs) > 0) {
			rt.startGrace(uid)
		}
	})
}

// startGrace (in the actor) arms uid's grace timer.
func (rt *Router) startGrace(uid proto.Uid) {
	if t := rt.timers[uid]; t != nil {
		t.Stop()
	}
	rt.timers[uid] = time.AfterFunc(rt.grace, func() {
		rt.async(func() {
			delete(rt.timers, uid)
			if rt.hub.IsOnline(uid) {
				return
			}
			rt.r.setStatus(uid, StatusOffline)
		})
	})
}

// Published hears every new message of a group topic (in the topic's
// actor: it must not block, so a full queue drops the note — a message
// count, or a reopening the customer's next message makes instead).
//
// The message is counted in the routing actor, in the order it arrives
// among the actions: an action that comes after it (a conv.close sent
// once the message was acknowledged) is decided after the count, so the
// closed conversation carries it.
func (rt *Router) Published(topic string, from proto.Uid, seq int, head map[string]any) {
	if ignored(from, head) {
		return
	}
	select {
	case rt.cmds <- rt.counter(note{topic: topic, from: from, seq: seq, head: head}):
	default:
		if rt.log != nil {
			rt.log.Warn("customer-service message note dropped: router busy", "topic", topic)
		}
	}
}

// Noted is Published for a message another node heard of: it waits for
// room in the routing actor's queue (until ctx ends) instead of dropping
// the note. When it returns nil the message is queued for counting ahead
// of every action that arrives afterwards.
func (rt *Router) Noted(ctx context.Context, topic string, from proto.Uid, seq int, head map[string]any) error {
	if ignored(from, head) {
		return nil
	}
	select {
	case rt.cmds <- rt.counter(note{topic: topic, from: from, seq: seq, head: head}):
		return nil
	case <-rt.ctx.Done():
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ignored reports whether the router leaves a message out: the server's
// own events, and staff's private notes, which are no response.
func ignored(from proto.Uid, head map[string]any) bool {
	return from == proto.ZeroUid || head["private"] == true
}

// counter returns the command that counts n in the actor and hands what
// follows from it (the watcher, the robot, a reopening, which wait for
// the store or the actor) to takeNotes.
func (rt *Router) counter(n note) func() {
	return func() {
		if cv := rt.r.convs[n.topic]; cv != nil {
			n.open, n.conv = true, *cv
		}
		rt.r.message(n.topic, n.from)
		select {
		case rt.notes <- n:
		default: // never block the actor: takeNotes may be waiting for it
			if rt.log != nil {
				rt.log.Warn("customer-service message note not passed on: router busy", "topic", n.topic)
			}
		}
	}
}

// note is a message written in a topic, as the router hears of it.
type note struct {
	topic string
	from  proto.Uid
	seq   int
	head  map[string]any
	// open and conv are the topic's open conversation when the message
	// was counted.
	open bool
	conv conv
	// flushed, if set, marks no message: it is closed once every note
	// before it was taken (Stop).
	flushed chan struct{}
}

// takeNotes tells the watcher and the robot of counted messages and
// reopens conversations: a customer writing in their service topic with
// no open conversation opens one.
func (rt *Router) takeNotes() {
	for {
		var n note
		select {
		case n = <-rt.notes:
		case <-rt.ctx.Done():
			return
		}
		if n.flushed != nil {
			close(n.flushed)
			continue
		}
		open, c := n.open, n.conv
		if rt.watch != nil {
			rt.watch.MessageCreated(n.topic, n.from, n.seq, n.head)
		}
		if open && c.State == store.ConvBot && n.from == c.Customer && rt.bot != nil {
			rt.bot.Heard(Heard{Topic: n.topic, Team: c.Team, Customer: c.Customer, Seq: n.seq})
		}
		if open || hub.ServiceTopic(n.from) != n.topic {
			continue
		}
		if _, err := rt.openByMessage(rt.ctx, n.from, n.seq); err != nil && rt.log != nil {
			rt.log.Warn("reopening a conversation", "topic", n.topic, "err", err)
		}
	}
}

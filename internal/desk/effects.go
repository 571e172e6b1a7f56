package desk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// effectTimeout bounds one store write or topic request of an effect; a
// stuck topic must not hold up every conversation behind it.
const effectTimeout = 10 * time.Second

// carryOut does what the router decided, in order: saves each changed
// conversation, gives and takes the agents' membership, and appends the
// conversation's events to its topic as messages (seq, durability, push,
// retransmission and resume all come from the topic's write path).
func (rt *Router) carryOut() {
	defer close(rt.wrote)
	for batch := range rt.effects {
		if rt.fenced.Load() {
			continue // a newer router decides now: drop what this one decided
		}
		for _, e := range batch.events {
			if !rt.apply(e) {
				break
			}
			if rt.watch != nil && e.Kind != EvStatus && e.Kind != EvResponded {
				rt.watch.ConversationEvent(e)
			}
		}
		if rt.fenced.Load() {
			continue
		}
		rt.tellSupervisors(batch.events)
		for _, m := range batch.moved {
			rt.hub.TopicInfo(m.Topic, "queue", positionParams(m.Position, m.ETA, m.HasETA))
		}
	}
}

// apply carries out one event. It reports false when the store refused
// the conversation's save under the router's fence: then nothing of it is
// done (no membership, no message), so a router that lost its lease
// without knowing it yet cannot give an agent more than the capacity the
// new router counts.
func (rt *Router) apply(e Event) bool {
	ctx, cancel := context.WithTimeout(context.Background(), effectTimeout)
	defer cancel()
	topic := e.Conv.Topic
	if e.Kind == EvStatus {
		return true // no conversation changed
	}
	if err := rt.convs.SaveConversation(rt.fenceCtx(ctx), &e.Conv); errors.Is(err, store.ErrFenced) {
		rt.wasFenced(topic)
		return false
	} else if err != nil {
		rt.warn("saving a conversation", topic, err)
	}
	rt.metrics.observe(e)
	switch e.Kind {
	case EvQueued:
		rt.post(ctx, topic, map[string]any{"event": EvQueued, "team": e.Conv.Team}, "Waiting for an agent")
	case EvAssigned:
		if err := rt.hub.SetMember(ctx, topic, e.Agent, ModeAgent, proto.ZeroUid); err != nil {
			rt.warn("making the agent a member", topic, err)
		}
		rt.post(ctx, topic, map[string]any{"event": EvAssigned, "agent": e.Agent.UserID()}, "An agent joined")
	case EvUnassigned:
		rt.leave(ctx, topic, e.Agent)
	case EvTransferred:
		head := map[string]any{"event": EvTransferred, "by": e.By.UserID()}
		if e.From != proto.ZeroUid {
			head["from"] = e.From.UserID()
		}
		if e.ToTeam != "" {
			head["to"] = "team:" + e.ToTeam
		} else {
			head["to"] = e.To.UserID()
		}
		rt.post(ctx, topic, head, "Transferred")
	case EvClosed:
		head := map[string]any{"event": EvClosed, "by": e.By.UserID()}
		if e.Reason != "" {
			head["reason"] = e.Reason
		}
		rt.post(ctx, topic, head, "Conversation closed")
		rt.leave(ctx, topic, e.Agent)
	case EvBot:
		switch {
		case rt.bot == nil:
		case e.Question > 0:
			rt.bot.Heard(Heard{Topic: topic, Team: e.Conv.Team, Customer: e.Conv.Customer, Seq: e.Question})
		default:
			rt.bot.Opened(topic, e.Conv.Team, e.Conv.Customer)
		}
	case EvReopened:
		rt.post(ctx, topic, map[string]any{"event": EvReopened}, "Conversation reopened")
	}
	return true
}

// fenceCtx returns ctx carrying the router's fence, if it has one: what
// the router writes under it is refused once its lease moved on.
func (rt *Router) fenceCtx(ctx context.Context) context.Context {
	if rt.fence == nil {
		return ctx
	}
	return store.WithFence(ctx, *rt.fence)
}

// wasFenced stops carrying out decisions and tells the owner of the
// router, once.
func (rt *Router) wasFenced(topic string) {
	if !rt.fenced.CompareAndSwap(false, true) {
		return
	}
	if rt.log != nil {
		rt.log.Warn("the conversation router's lease moved on: its writes are refused, it stops", "topic", topic)
	}
	if rt.onFence != nil {
		go rt.onFence(rt)
	}
}

// leave takes an agent's membership away (after a transfer or close).
func (rt *Router) leave(ctx context.Context, topic string, agent proto.Uid) {
	if agent == proto.ZeroUid {
		return
	}
	if err := rt.hub.SetMember(ctx, topic, agent, proto.ModeNone, proto.ZeroUid); err != nil {
		rt.warn("removing the agent", topic, err)
	}
}

// post appends one event message. Its msgid is fresh: a retry inside the
// store path is deduplicated by it.
func (rt *Router) post(ctx context.Context, topic string, head map[string]any, text string) {
	var b [9]byte
	rand.Read(b[:])
	if _, err := rt.hub.Post(ctx, topic, proto.ZeroUid, "cs-"+hex.EncodeToString(b[:]), head, text); err != nil {
		rt.warn("appending a conversation event", topic, err)
	}
}

func (rt *Router) warn(what, topic string, err error) {
	if rt.log != nil {
		rt.log.Warn(what, "topic", topic, "err", err)
	}
}

// positionParams is a queue position as {info what=queue} and the actions
// give it: with "eta" (seconds) when the team's pace gives one.
func positionParams(position, eta int, hasETA bool) map[string]any {
	p := map[string]any{"position": position}
	if hasETA {
		p["eta"] = eta
	}
	return p
}

// tellSupervisors sends online supervisors and admins each event as
// {info what=desk} on their me topic: the live view desk.state is the
// snapshot of. Label and response bookkeeping is left out.
func (rt *Router) tellSupervisors(events []Event) {
	var sups []proto.Uid
	for _, e := range events {
		if e.Kind == EvLabeled || e.Kind == EvResponded {
			continue
		}
		if sups == nil {
			if sups = rt.desk.onlineSupervisors(rt.hub.IsOnline); len(sups) == 0 {
				return
			}
		}
		p := map[string]any{"event": e.Kind}
		if e.Conv.Topic != "" {
			p["topic"], p["team"], p["state"] = e.Conv.Topic, e.Conv.Team, e.Conv.State
		}
		if e.Agent != proto.ZeroUid {
			p["agent"] = e.Agent.UserID()
		}
		if e.Status != "" {
			p["status"] = e.Status
		}
		for _, uid := range sups {
			rt.hub.InfoToUser(uid, "desk", p)
		}
	}
}

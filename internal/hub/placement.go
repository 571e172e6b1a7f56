package hub

import (
	"context"
	"errors"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Placement decides, in a cluster, which node runs each topic's actor. A
// hub without one (a single node) runs every topic itself.
type Placement interface {
	// Place reports whether this node owns topic name and the fence its
	// writes must carry. With acquire, a topic whose shard is free (or
	// whose owner's lease expired) is taken; without, only a lease this
	// node already holds counts.
	Place(name string, acquire bool) (fence store.Fence, local bool)
	// Remote reports whether another live node owns name, without taking
	// anything: events meant only for running actors go there.
	Remote(name string) bool
	// Forward hands ev, meant for topic name, to the node that owns it. It
	// returns false when no owner can be reached.
	Forward(name string, ev Remote) bool
}

// Remote is an event on its way to a topic owned by another node: exactly
// one of its fields is set.
type Remote struct {
	// Req is a client request; Req.Sess is the session on the sending node.
	Req *Request
	// Detach is a session that left or ended.
	Detach Subscriber
	// Pres is a {pres} or {info} for the sessions attached to a "me"
	// topic, except those whose ids are in Skip.
	Pres *proto.ServerMsg
	Skip map[string]bool
	// ReloadUser asks a "me" topic to read its user again.
	ReloadUser bool
}

// ErrNotForwardable is logged when an event that only a local actor can
// take is meant for a topic another node owns: a service post or member
// change whose topic moved between the look at its owner, which sends it
// there as a ServiceCall, and its routing.
var ErrNotForwardable = errors.New("hub: event cannot be forwarded to another node")

// closer is a subscriber that can be disconnected: a session, or the proxy
// of one on another node.
type closer interface{ Close(d proto.Disconnect) }

// SetPlacement makes the hub one node of a cluster. Call it before the hub
// is used.
func (h *Hub) SetPlacement(p Placement) { h.place = p }

// forward sends ev to the owner of name, if it is an event that can travel.
func (h *Hub) forward(name string, ev event) bool {
	var r Remote
	switch e := ev.(type) {
	case *Request:
		r.Req = e
	case *detach:
		r.Detach = e.sess
	case *presEvent:
		r.Pres, r.Skip = e.msg, e.skip
	case reloadUser:
		r.ReloadUser = true
	default:
		h.log.Error("cluster routing", "topic", name, "err", ErrNotForwardable)
		return false
	}
	return h.place.Forward(name, r)
}

// Deliver hands an event forwarded by another node to the local actor of
// name. For a request for a topic this node does not own (its lease moved
// on the way) it returns ErrNotOwner, for one the actor cannot queue
// ErrBusy.
func (h *Hub) Deliver(name string, r Remote) error {
	switch {
	case r.Req != nil:
		if h.ctx.Err() == nil && h.answerAbsent(r.Req) {
			return nil
		}
		if h.routeLocal(name, r.Req, false) {
			return nil
		}
		if _, local := h.place.Place(name, false); !local {
			return ErrNotOwner
		}
		return ErrBusy
	case r.Detach != nil:
		h.routeLoadedLocal(name, &detach{sess: r.Detach})
	case r.Pres != nil:
		h.routeLoadedLocal(name, &presEvent{msg: r.Pres, skip: r.Skip})
	case r.ReloadUser:
		h.routeLoadedLocal(name, reloadUser{})
	}
	return nil
}

// Errors of Deliver.
var (
	ErrNotOwner = errors.New("hub: this node does not own the topic")
	ErrBusy     = errors.New("hub: the topic's queue is full, or the hub is stopping")
)

// DropTopics stops the actors of the topics for which lost reports true:
// their shard's lease is gone, so another node may own them now. Each
// attached session is disconnected (DisconnectMoved), so its client
// reconnects and finds the new owner; requests still queued are answered
// 503.
func (h *Hub) DropTopics(lost func(name string) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for name, t := range h.topics {
		if lost(name) {
			delete(h.topics, name)
			t.offer(fencedOut{})
		}
	}
}

// forget removes t from the map without waiting for its inbox: the actor
// answers what is still queued itself.
func (h *Hub) forget(t *topic) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.topics[t.name] == t {
		delete(h.topics, t.name)
	}
}

// fencedOut tells an actor that it no longer owns its topic.
type fencedOut struct{}

func (fencedOut) apply(t *topic) { t.fenceLost() }

// fenceLost retires the actor: every attached session is disconnected so
// that it comes back through the new owner, and from now on the actor
// answers requests 503 until it exits.
func (t *topic) fenceLost() {
	if t.fenced {
		return
	}
	t.fenced = true
	t.hub.forget(t)
	for s := range t.attached {
		if c, ok := s.(closer); ok {
			c.Close(proto.DisconnectMoved)
		}
		t.detachSession(s)
	}
}

// refuseFenced answers a request reaching a retired actor (or queued in it
// when it retired) by disconnecting its session: the client reconnects and
// resends what is unacknowledged, in order, reaching the new owner. A 503
// would have it retry this message behind later ones the new owner may
// accept meanwhile. A subscriber that cannot be disconnected gets the 503.
func (t *topic) refuseFenced(r *Request) {
	if c, ok := r.Sess.(closer); ok {
		t.hub.log.Warn("request for a retired actor; disconnecting the session", "topic", t.name)
		c.Close(proto.DisconnectMoved)
		return
	}
	t.reply(r, proto.Ctrl(r.Msg.ID(), r.View, proto.CodeUnavailable, "topic is moving to another node, retry", proto.Now()))
}

// writeContext is the context of the actor's appends: fenced in a cluster.
func (t *topic) writeContext() context.Context {
	if t.fence == nil {
		return context.Background()
	}
	return store.WithFence(context.Background(), *t.fence)
}

// failFenced answers every queued message after a fenced write: none was
// stored, so each sender hears 503 and retries with the same msgid on the
// new owner; the actor then retires. Reads waiting for these writes run.
func (p *publisher) failFenced(t *topic) {
	for _, pp := range p.queue {
		if pp.done != nil {
			pp.done(store.AppendResult{Err: store.ErrFenced})
		}
		if pp.req != nil && pp.req.Sess != nil && pp.req.Msg != nil {
			t.refuseFenced(pp.req)
		}
	}
	p.done += len(p.queue)
	p.queue = nil
	for _, d := range p.deferred {
		d.run()
	}
	p.deferred = nil
	t.fenceLost()
}

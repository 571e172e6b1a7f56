package hub

import (
	"errors"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

type topicKind int

const (
	kindMe topicKind = iota
	kindFnd
	kindP2P
	kindGroup
)

func kindOf(name string) topicKind {
	switch {
	case strings.HasPrefix(name, proto.PrefixP2P):
		return kindP2P
	case strings.HasPrefix(name, proto.PrefixGroup):
		return kindGroup
	case strings.HasPrefix(name, "fnd"):
		return kindFnd
	}
	return kindMe
}

// topic is one topic's actor. Everything below inbox is owned by run.
type topic struct {
	// Static after construction.
	hub      *Hub
	name     string
	kind     topicKind
	inbox    *inbox
	appended chan appendDone
	marked   chan error
	// fence is the lease this actor's writes carry in a cluster; nil on a
	// single node. It is set before run starts.
	fence *store.Fence

	// Owned by run.
	loaded   bool
	desc     store.Topic                       // p2p and group
	user     store.User                        // me: the owner's account
	subs     map[proto.Uid]*store.Subscription // p2p and group members
	attached map[Subscriber]string             // session → the name it sees
	pub      publisher
	fan      fanOut // what a committed batch sends, per session (fanout.go)
	marks    markFlusher
	devices  deviceMarks // delivered marks per device (device.go)
	recent   recentLog
	pushed   map[Subscriber]int      // session → last seq pushed to it (range rule)
	fnd      map[Subscriber][]string // fnd: session → its search terms
	idleAt   time.Time
	// claimed is the position beyond the latest seq whose report last
	// changed the epoch, and epochAt when that was (epoch.go).
	claimed int
	epochAt time.Time
	// recentLoaded says whether recent holds the stored messages: they are
	// read when a session first attaches (catchup.go), not for a get from
	// outside, which would otherwise hold up to 256 messages for nothing.
	recentLoaded bool
	// fenced says the actor lost its topic to another node (placement.go).
	fenced bool
}

func newTopic(h *Hub, name string) *topic {
	return &topic{
		hub: h, name: name, kind: kindOf(name),
		inbox:    newInbox(h.limits.TopicQueue),
		appended: make(chan appendDone, 1),
		marked:   make(chan error, 1),
		subs:     map[proto.Uid]*store.Subscription{},
		attached: map[Subscriber]string{},
		pushed:   map[Subscriber]int{},
		fnd:      map[Subscriber][]string{},
	}
}

// offer queues ev without blocking. Called with hub.mu read-held.
func (t *topic) offer(ev event) bool { return t.inbox.offer(ev) }

// run is the actor loop: one event at a time, no locks on topic state.
func (t *topic) run() {
	defer t.hub.wg.Done()
	tick := time.NewTicker(t.idleCheckEvery())
	defer tick.Stop()
	t.idleAt = time.Now()
	for {
		select {
		case <-t.inbox.ready:
			if ev := t.inbox.take(); ev != nil {
				ev.apply(t)
			}
		case done := <-t.appended:
			t.pub.finish(t, done)
		case err := <-t.marked:
			t.marks.finish(t, err)
		case <-tick.C:
			t.dropGone()
			t.dropGoneQueries()
			if t.idle() && t.hub.tryRemove(t) {
				return
			}
		case <-t.hub.ctx.Done():
			t.drain()
			return
		}
	}
}

func (t *topic) idleCheckEvery() time.Duration {
	d := t.hub.limits.IdleTopicUnload / 4
	if d <= 0 {
		d = time.Second
	}
	return d
}

// idle reports whether the topic has nobody attached and nothing in flight
// for long enough to be unloaded.
func (t *topic) idle() bool {
	if t.fenced && !t.pub.busy() && !t.marks.busy() {
		return true
	}
	if len(t.attached) > 0 || len(t.fnd) > 0 || t.pub.busy() || t.marks.busy() {
		t.idleAt = time.Now()
		return false
	}
	return !t.loaded || time.Since(t.idleAt) >= t.hub.limits.IdleTopicUnload
}

// drain waits for writes in flight at shutdown so nothing acknowledged is
// half done, and writes the marks still in memory so a restart resumes each
// device where it was; requests not yet started are dropped (clients retry).
func (t *topic) drain() {
	for t.pub.inflight {
		t.pub.finish(t, <-t.appended)
	}
	for t.marks.busy() {
		t.marks.flush(t)
		t.marks.finish(t, <-t.marked)
	}
}

// load reads the topic's state from the store. It returns store.ErrNotFound
// for topics that do not exist.
func (t *topic) load() error {
	if t.loaded {
		return nil
	}
	ctx := t.hub.ctx
	switch t.kind {
	case kindMe:
		u, err := t.hub.store.GetUser(ctx, proto.ParseUserID(t.name))
		if err != nil {
			return err
		}
		t.user = *u
	case kindFnd:
	default:
		t.resetPositions()
		t.recent, t.recentLoaded = recentLog{}, false
		desc, err := t.hub.store.GetTopic(ctx, t.name)
		if err != nil {
			return err
		}
		subs, err := t.hub.store.TopicSubs(ctx, t.name)
		if err != nil {
			return err
		}
		marks, err := t.hub.store.DeviceMarks(ctx, t.name)
		if err != nil {
			return err
		}
		t.desc = *desc
		t.devices.load(marks)
		for i := range subs {
			t.subs[subs[i].User] = &subs[i]
		}
	}
	t.loaded = true
	return nil
}

// attach records that s sees this topic under view.
func (t *topic) attach(s Subscriber, view string) { t.attached[s] = view }

// detachSession forgets s and tells it so.
func (t *topic) detachSession(s Subscriber) {
	view, ok := t.attached[s]
	if !ok {
		return
	}
	delete(t.attached, s)
	delete(t.pushed, s)
	s.Detached(view)
	if len(t.attached) == 0 {
		t.idleAt = time.Now()
	}
}

// dropGone detaches sessions that ended without their detach reaching the
// topic (it is dropped when the inbox is full).
func (t *topic) dropGone() {
	for s := range t.attached {
		if s.Gone() {
			t.detachSession(s)
		}
	}
}

// evictUser detaches all sessions of uid with ctrl 205, for example after
// the user's subscription was removed.
func (t *topic) evictUser(uid proto.Uid, unsub bool, skip Subscriber) {
	for s, view := range t.attached {
		if s.UserID() != uid || s == skip {
			continue
		}
		var params map[string]any
		if unsub {
			params = map[string]any{"unsub": true}
		}
		t.send(s, proto.CtrlParams("", view, proto.CodeEvicted, "evicted", params, proto.Now()))
		t.detachSession(s)
	}
}

// viewFor is the topic's name as uid sees it.
func (t *topic) viewFor(uid proto.Uid) string {
	switch t.kind {
	case kindMe:
		return proto.TopicMe
	case kindFnd:
		return proto.TopicFnd
	case kindP2P:
		return proto.P2PPeer(t.name, uid).UserID()
	}
	return t.name
}

// send encodes m and queues it for one session.
func (t *topic) send(s Subscriber, m *proto.ServerMsg) {
	t.emit(s, Frame{Bytes: t.hub.encode(m)})
}

// reply answers the session that made r.
func (t *topic) reply(r *Request, m *proto.ServerMsg) { t.send(r.Sess, m) }

// deliverToAttached sends m to every attached session not in skip, with the
// topic name rewritten to each one's view when m names a topic.
func (t *topic) deliverToAttached(m *proto.ServerMsg, skip map[string]bool) {
	frame := t.hub.encode(m)
	for s := range t.attached {
		if !skip[s.SessionID()] {
			t.emit(s, Frame{Bytes: frame})
		}
	}
}

// mode is uid's effective access to the topic.
func (t *topic) mode(uid proto.Uid) proto.AccessMode {
	switch t.kind {
	case kindMe, kindFnd:
		return proto.ModeCSelf | proto.ModeRead | proto.ModeWrite
	}
	if sub := t.subs[uid]; sub != nil {
		return sub.Mode()
	}
	return proto.ModeNone
}

// storeErr maps a store error to a ctrl reply.
func storeErr(r *Request, err error) *proto.ServerMsg {
	now := proto.Now()
	id, view := r.Msg.ID(), r.View
	switch {
	case errors.Is(err, store.ErrNotFound):
		return proto.TopicNotFound(id, view, now)
	case errors.Is(err, store.ErrDuplicate):
		return proto.Ctrl(id, view, proto.CodeConflict, "already exists", now)
	}
	return proto.Internal(id, view, now)
}

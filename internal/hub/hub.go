// Package hub runs topics as actors. Each active topic is one goroutine that
// owns the topic's state with no locks: it assigns seq by appending to the
// store (group-committed across topics), acknowledges the sender, then fans
// the message out to attached sessions in seq order. Sessions reach topics
// only through the Hub, which loads a topic's actor on first use and lets it
// go when it has been idle.
package hub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/trace"
)

// Frame is one encoded server message on its way to a session. Topic and Seq
// are set for {data} frames so a session can track delivery.
type Frame struct {
	Bytes []byte
	Topic string // the topic as the session sees it
	Seq   int
	// Name and MsgID identify the message in traces: the internal topic
	// name and the client message id.
	Name  string
	MsgID string
	// Stored is when the topic handled the committed batch that made this
	// {data} frame's message durable, for live deliveries; zero otherwise
	// (answers, catch-up outside a batch). Sessions measure from it to the
	// socket write.
	Stored time.Time
}

// Subscriber is a session as the hub needs it. Sessions implement it.
type Subscriber interface {
	SessionID() string
	UserID() proto.Uid
	AuthLevel() int
	// Send queues a frame without blocking; false means the session is gone
	// or its queue overflowed (the session then disconnects itself).
	Send(f Frame) bool
	// SubDone tells the session that its sub request for view was handled,
	// and whether it is now attached.
	SubDone(view string, ok bool)
	// Detached tells the session that it is no longer attached to view
	// (it left, was evicted, or the topic was deleted).
	Detached(view string)
	// Gone reports whether the session has ended.
	Gone() bool
	// DeviceID is the client's device id from hi.dev, empty if it sent
	// none. Sessions of one device share its delivered marks.
	DeviceID() string
}

// Limits bounds what clients may do through topics.
type Limits struct {
	MaxMessageSize  int // bytes of a pub's content and head together
	MaxSubscribers  int // members of a group topic
	MaxResults      int // messages in one get data page
	TopicQueue      int // requests waiting at one topic before 503
	IdleTopicUnload time.Duration
	// MaxDevices is how many devices per user keep delivered marks; the
	// least recently seen is forgotten first.
	MaxDevices int
	// ReadsPerSession is how many reads (gets, and the get part of a sub)
	// of one session run at once, and MaxReads how many of all sessions;
	// ReadQueue is how many more gets a session may have waiting before
	// further ones are answered 429 (reads.go).
	ReadsPerSession int
	MaxReads        int
	ReadQueue       int
	// EditWindow is how long after sending a message its author may
	// replace it (head.replace: an edit or a recall).
	EditWindow time.Duration
}

// DefaultLimits are the limits used when none are configured.
var DefaultLimits = Limits{
	MaxMessageSize:  128 << 10,
	MaxSubscribers:  128,
	MaxResults:      100,
	TopicQueue:      4096,
	IdleTopicUnload: time.Minute,
	MaxDevices:      16,
	ReadsPerSession: 2,
	MaxReads:        4,
	ReadQueue:       64,
	EditWindow:      DefaultEditWindow,
}

// Hub is the registry of running topic actors.
type Hub struct {
	// Static after construction.
	store  store.Store
	limits Limits
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	trace  *trace.Recorder // nil records nothing
	reads  *readGate
	stores *storeWorkers // run the topics' store writes

	now func() time.Time // the clock of epoch changes; tests move it
	// published, if set, hears of each new group message (service.go).
	published PublishHook
	// staff tells staff from customers, for private notes (private.go).
	staff StaffCheck
	// policy decides on messages before they are stored (policy.go); nil
	// delivers everything as sent.
	policy *policy.Engine
	// place, in a cluster, says which node runs each topic (placement.go).
	place Placement
	// roster, in a cluster, shares online status (presence.go).
	roster Roster

	// Guarded by mu. A request is put into a topic's inbox only while mu is
	// read-held, and a topic leaves the map only while mu is write-held and
	// its inbox is empty, so no request is ever lost to an exiting topic.
	mu     sync.RWMutex
	topics map[string]*topic
	online map[proto.Uid]int // logged-in sessions per user

	wg sync.WaitGroup
}

// New returns a hub over st.
func New(st store.Store, limits Limits, log *slog.Logger) *Hub {
	if limits.MaxDevices <= 0 {
		// Zero would forget every device's mark as soon as it is written.
		limits.MaxDevices = DefaultLimits.MaxDevices
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Zero would run no read at all, or refuse every get behind another.
	if limits.ReadsPerSession <= 0 {
		limits.ReadsPerSession = DefaultLimits.ReadsPerSession
	}
	if limits.MaxReads <= 0 {
		limits.MaxReads = DefaultLimits.MaxReads
	}
	if limits.ReadQueue <= 0 {
		limits.ReadQueue = DefaultLimits.ReadQueue
	}
	return &Hub{store: st, limits: limits, log: log, ctx: ctx, cancel: cancel, now: time.Now,
		reads:  newReadGate(limits.ReadsPerSession, limits.ReadQueue, limits.MaxReads),
		stores: newStoreWorkers(ctx.Done()),
		topics: map[string]*topic{}, online: map[proto.Uid]int{}}
}

// Shutdown stops every topic after it has finished the writes in flight.
func (h *Hub) Shutdown() {
	h.cancel()
	h.wg.Wait()
}

// SetTrace makes the hub record each message's life in r. Call it before
// the hub is used.
func (h *Hub) SetTrace(r *trace.Recorder) { h.trace = r }

// Context is cancelled when the hub shuts down.
func (h *Hub) Context() context.Context { return h.ctx }

// Dispatch hands a client request to the topic it names, loading the topic
// if needed; a get or sub on a topic that does not exist is answered without
// it (answerAbsent). It returns false when the topic's queue is full; the
// caller then answers 503.
func (h *Hub) Dispatch(r *Request) bool {
	if h.ctx.Err() == nil && h.answerAbsent(r) {
		return true
	}
	return h.route(r.Topic, r)
}

// Leave detaches a closing session from a topic without a reply.
func (h *Hub) Leave(internal string, s Subscriber) {
	h.routeLoaded(internal, &detach{sess: s})
}

// route delivers ev to the topic, starting its actor when it is not running
// (or, in a cluster, sending ev to the node that owns the topic). It returns
// false when the topic's queue is full or the hub is stopping.
func (h *Hub) route(name string, ev event) bool {
	return h.routeLocal(name, ev, h.place != nil)
}

// routeLocal is route; mayForward says whether a topic owned by another
// node may be reached by forwarding (false for events that already were).
func (h *Hub) routeLocal(name string, ev event, mayForward bool) bool {
	if h.ctx.Err() != nil {
		return false // stopped topics no longer read their queues
	}
	for {
		h.mu.RLock()
		t := h.topics[name]
		if t != nil {
			ok := t.offer(ev)
			h.mu.RUnlock()
			return ok
		}
		h.mu.RUnlock()
		var fence *store.Fence
		if h.place != nil {
			f, local := h.place.Place(name, true)
			if !local {
				return mayForward && h.forward(name, ev)
			}
			fence = &f
		}
		// Once the hub stops no topic starts, so retrying would spin.
		if !h.start(name, fence) {
			return false
		}
	}
}

// routeLoaded delivers ev only if the topic's actor is running: events such
// as presence are meaningless to a topic nobody is attached to. In a
// cluster the actor may run on another node.
func (h *Hub) routeLoaded(name string, ev event) {
	if !h.routeLoadedLocal(name, ev) && h.place != nil && h.place.Remote(name) {
		h.forward(name, ev)
	}
}

// routeLoadedLocal is routeLoaded on this node only; it reports whether the
// actor runs here.
func (h *Hub) routeLoadedLocal(name string, ev event) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if t := h.topics[name]; t != nil {
		t.offer(ev)
		return true
	}
	return false
}

// reachable reports whether events for the topic would reach an actor:
// one running here, or, in a cluster, one on another node.
func (h *Hub) reachable(name string) bool {
	h.mu.RLock()
	running := h.topics[name] != nil
	h.mu.RUnlock()
	return running || (h.place != nil && h.place.Remote(name))
}

// routeLoadedAll is routeLoaded for n events to one topic, in order, with
// one look-up; ev makes the i-th event only if the topic is running, so
// members whose "me" nobody watches cost no allocation.
func (h *Hub) routeLoadedAll(name string, n int, ev func(i int) event) {
	h.mu.RLock()
	t := h.topics[name]
	if t != nil {
		for i := range n {
			t.offer(ev(i))
		}
	}
	h.mu.RUnlock()
	if t == nil && h.place != nil && h.place.Remote(name) {
		for i := range n {
			h.forward(name, ev(i))
		}
	}
}

// start runs the topic's actor unless it is running already; fence, in a
// cluster, is the lease its writes carry. It returns false once the hub is
// stopping.
func (h *Hub) start(name string, fence *store.Fence) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil {
		return false
	}
	if h.topics[name] != nil {
		return true
	}
	t := newTopic(h, name)
	t.fence = fence
	h.topics[name] = t
	h.wg.Add(1)
	go t.run()
	return true
}

// tryRemove unregisters t if nothing is waiting in its inbox.
func (h *Hub) tryRemove(t *topic) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.inbox.len() > 0 {
		return false
	}
	if h.topics[t.name] == t {
		delete(h.topics, t.name)
	}
	return true
}

// UserOnline records that a session of uid logged in (delta +1) or ended
// (delta -1). It reports whether the user's online state changed.
func (h *Hub) UserOnline(uid proto.Uid, delta int) bool {
	h.mu.Lock()
	n := h.online[uid] + delta
	if n <= 0 {
		delete(h.online, uid)
	} else {
		h.online[uid] = n
	}
	h.mu.Unlock()
	return (delta > 0 && n == 1) || (delta < 0 && n <= 0)
}

// IsOnline reports whether uid has a logged-in session.
func (h *Hub) IsOnline(uid proto.Uid) bool {
	h.mu.RLock()
	local := h.online[uid] > 0
	h.mu.RUnlock()
	return local || (h.roster != nil && h.roster.OnlineElsewhere(uid))
}

// TopicCount is the number of running topic actors.
func (h *Hub) TopicCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.topics)
}

// presToUser sends a presence message to the sessions of uid attached to
// "me", except those whose ids are in skip.
func (h *Hub) presToUser(uid proto.Uid, pres *proto.MsgServerPres, skip map[string]bool) {
	h.routeLoaded(proto.MeName(uid), &presEvent{msg: &proto.ServerMsg{Pres: pres}, skip: skip})
}

// infoToUser sends an {info} on "me" to the sessions of uid attached to it.
func (h *Hub) infoToUser(uid proto.Uid, info *proto.MsgServerInfo, skip map[string]bool) {
	h.routeLoaded(proto.MeName(uid), &presEvent{msg: &proto.ServerMsg{Info: info}, skip: skip})
}

// encode turns a message into a frame; encoding our own types cannot fail
// short of a bug, which is logged.
func (h *Hub) encode(m *proto.ServerMsg) []byte {
	b, err := proto.Encode(m)
	if err != nil {
		h.log.Error("encode", "err", err)
	}
	return b
}

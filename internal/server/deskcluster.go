package server

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/cluster"
	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
)

// In a cluster one node at a time runs the customer-service router: the
// holder of the router's lease (cluster.RouterShard). Every node tries to
// take it every tenth of the lease; the holder starts a router rebuilt
// from the store, and stops it when the lease is lost, before another
// node can take it. The other nodes hand the router's node their
// sessions' desk actions (and wait for the answer), and notes of the
// messages written in the service topics they own, of their sessions'
// ends and of deleted accounts (desknotes.go).

// Kinds of desk message between nodes.
const (
	deskAction = "action" // a desk action; answered with its result
	deskNote   = "note"   // a batch of notes; acknowledged once applied
	deskFlush  = "flush"  // answered once the notes queued before it are delivered
	// deskDirectory, broadcast to every node, says a node saved a change
	// of teams or staff: the others read the directory again.
	deskDirectory = "desk.directory"
)

// routerLeader runs the router on this node while it holds the lease.
type routerLeader struct {
	s    *Server
	cfg  desk.RouterConfig
	stop chan struct{}
	done chan struct{}

	mu sync.Mutex
	rt *desk.Router // nil unless this node holds the lease
	// statuses are the last agent.status each user set through this
	// node: a new router starts with every agent offline, so each node
	// tells it again those of its users still online.
	statuses map[proto.Uid]remoteAction
	// routerNode is where the router ran at the last look.
	routerNode string

	notes    *noteSender  // this node's notes for the router
	received noteReceiver // other nodes' notes, while the router runs here
}

// startRouterLeader wires the desk actions and hooks to whichever node
// runs the router, and starts trying to be that node.
func (s *Server) startRouterLeader(cfg desk.RouterConfig) error {
	l := &routerLeader{s: s, cfg: cfg, stop: make(chan struct{}), done: make(chan struct{}),
		statuses: map[proto.Uid]remoteAction{}}
	l.notes = newNoteSender(s.node.ID(), l.sendNotes, s.log)
	l.cfg.HookedByCaller = true
	handlers := map[string]func(context.Context, []byte) []byte{
		deskAction: l.answerAction, deskNote: l.takeNotes, deskFlush: l.flushNotes,
	}
	for kind, fn := range handlers {
		if err := s.node.HandleDesk(kind, fn); err != nil {
			return err
		}
	}
	if err := s.node.HandleBroadcast(deskDirectory, l.reloadDirectory); err != nil {
		return err
	}
	for _, what := range desk.ActionNames() {
		s.deps.Actions.Register(what, func(r *action.Request) action.Result { return l.act(what, r) })
	}
	s.hub.SetPublishHook(l.published)
	s.leader = l
	l.tryLead()
	go l.run()
	go l.notes.run(l.stop)
	return nil
}

func (l *routerLeader) run() {
	defer close(l.done)
	tick := time.NewTicker(max(time.Duration(l.s.cfg.ClusterLease)/10, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			l.tryLead()
		}
	}
}

// tryLead takes or keeps the lease and starts or stops the router to
// match.
func (l *routerLeader) tryLead() {
	if !l.s.node.HoldsRouter() && l.router() != nil {
		// The lease lapsed: another router may have run meanwhile, so
		// this one's state is stale even if the lease comes back.
		l.s.log.Warn("the router's lease is lost; stopping the conversation router")
		l.stopRouter()
	}
	holds := l.s.node.TakeRouter()
	rt := l.router()
	switch {
	case holds && rt == nil:
		fence, ok := l.s.node.RouterFence()
		if !ok {
			return // lapsed since TakeRouter: the next tick tries again
		}
		cfg := l.cfg
		cfg.Fence, cfg.Fenced = &fence, func(rt *desk.Router) { l.routerFenced(rt, fence.Epoch) }
		rt, err := desk.StartRouter(context.Background(), cfg)
		if err != nil {
			l.s.log.Warn("starting the conversation router", "err", err)
			return
		}
		l.s.robot.SetHandOff(rt.HandOff)
		l.mu.Lock()
		l.rt = rt
		l.mu.Unlock()
		l.s.log.Info("this node runs the conversation router", "node", l.s.node.ID())
	case !holds && rt != nil:
		l.s.log.Warn("the router's lease is lost; stopping the conversation router")
		l.stopRouter()
	}
	l.noticeMove(holds)
}

// noticeMove tells a router that moved the statuses of this node's
// agents who are still online.
func (l *routerLeader) noticeMove(holds bool) {
	node := l.s.node.ID()
	if !holds {
		node = l.s.node.RouterNode()
	}
	l.mu.Lock()
	moved := node != "" && node != l.routerNode
	if node != "" {
		l.routerNode = node
	}
	var again []remoteAction
	if moved {
		online := map[proto.Uid]bool{}
		for _, uid := range l.s.hub.LocalOnlineUsers() {
			online[uid] = true
		}
		for uid, a := range l.statuses {
			if online[uid] {
				again = append(again, a)
			}
		}
	}
	l.mu.Unlock()
	for _, a := range again {
		r := &action.Request{Caller: remoteCaller{sid: a.SID, user: a.User, auth: a.Auth}, What: a.What, Params: a.Params}
		if res := l.act(a.What, r); res.Code == proto.CodeUnavailable {
			// The router moved again or has not started: tell it all
			// again at the next tick (a status set twice is harmless).
			l.mu.Lock()
			l.routerNode = ""
			l.mu.Unlock()
			l.s.log.Warn("telling the new router an agent's status", "user", a.User.UserID(), "code", res.Code)
			return
		} else if res.Code != proto.CodeOK {
			l.s.log.Warn("telling the new router an agent's status", "user", a.User.UserID(), "code", res.Code)
		}
	}
}

// remember keeps an agent's status the router accepted.
func (l *routerLeader) remember(r *action.Request, res action.Result) {
	if r.What != "agent.status" || res.Code != proto.CodeOK {
		return
	}
	l.mu.Lock()
	l.statuses[r.Caller.UserID()] = remoteAction{What: r.What, Params: r.Params,
		SID: r.Caller.SessionID(), User: r.Caller.UserID(), Auth: r.Caller.AuthLevel()}
	l.mu.Unlock()
}

func (l *routerLeader) router() *desk.Router {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rt
}

// routerFenced stops rt after the store refused one of its writes: another
// node took the router over while this one still believed it held the
// lease (a pause, a partition from PostgreSQL). The node forgets the lease,
// so it runs a router again only if it takes the lease back.
func (l *routerLeader) routerFenced(rt *desk.Router, epoch int64) {
	l.s.node.LostRouter(epoch)
	l.mu.Lock()
	mine := l.rt == rt
	if mine {
		l.rt = nil
	}
	l.mu.Unlock()
	if mine {
		l.s.log.Warn("another node runs the conversation router: stopping this one")
		rt.Stop()
	}
}

func (l *routerLeader) stopRouter() {
	l.mu.Lock()
	rt := l.rt
	l.rt = nil
	l.mu.Unlock()
	if rt != nil {
		rt.Stop()
	}
}

// close delivers the notes still queued (for a moment), stops trying to
// lead, then stops the router if it runs here.
func (l *routerLeader) close() {
	ctx, cancel := context.WithTimeout(context.Background(), flushWait)
	_ = l.notes.flush(ctx)
	cancel()
	close(l.stop)
	<-l.done
	l.stopRouter()
}

// remoteAction is a desk action on its way to the router's node.
type remoteAction struct {
	What   string          `json:"what"`
	Topic  string          `json:"topic,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	SID    string          `json:"sid"`
	User   proto.Uid       `json:"user"`
	Auth   int             `json:"auth"`
}

// remoteResult is its answer.
type remoteResult struct {
	Code   int            `json:"code"`
	Text   string         `json:"text"`
	Params map[string]any `json:"params,omitempty"`
}

// remoteCaller is the caller of a forwarded action.
type remoteCaller struct {
	sid  string
	user proto.Uid
	auth int
}

func (c remoteCaller) SessionID() string { return c.sid }
func (c remoteCaller) UserID() proto.Uid { return c.user }
func (c remoteCaller) AuthLevel() int    { return c.auth }

var routerUnavailable = action.Result{Code: proto.CodeUnavailable, Text: "the conversation router is moving, retry"}

// act answers a desk action: on the router if it runs here, else on the
// router's node.
func (l *routerLeader) act(what string, r *action.Request) action.Result {
	res := l.actOnRouter(what, r)
	l.remember(r, res)
	return res
}

// While the router moves, other nodes may for a moment know no router
// node, or one that has not started its router yet. An action that
// certainly did not run is tried again for up to routerWait before the
// client is answered 503: a clean move (the next node takes the lease
// within a tenth of it) is then not seen by clients.
const (
	routerWait  = 2 * time.Second
	routerRetry = 50 * time.Millisecond
)

func (l *routerLeader) actOnRouter(what string, r *action.Request) action.Result {
	deadline := time.Now().Add(routerWait)
	for {
		res, ran := l.actOnce(what, r)
		if ran || time.Now().After(deadline) {
			return res
		}
		select {
		case <-l.stop:
			return res
		case <-time.After(routerRetry): // the router is moving: ask again
		}
	}
}

// actOnce runs the action on the router, here or on its node. ran is
// false when it certainly did not run: no router was known or reachable,
// or the router's node had none running.
func (l *routerLeader) actOnce(what string, r *action.Request) (res action.Result, ran bool) {
	if rt := l.router(); rt != nil {
		l.awaitNotesOf(r.Topic)
		return rt.Handlers()[what](r), true
	}
	node := l.s.node.RouterNode()
	if node == "" || node == l.s.node.ID() { // here: the lease is taken, the router not started yet
		return routerUnavailable, false
	}
	b, err := json.Marshal(remoteAction{What: what, Topic: r.Topic, Params: r.Params,
		SID: r.Caller.SessionID(), User: r.Caller.UserID(), Auth: r.Caller.AuthLevel()})
	if err != nil {
		return routerUnavailable, true
	}
	out, err := l.s.node.AskDesk(context.Background(), node, deskAction, b)
	if errors.Is(err, cluster.ErrNoResponder) {
		return routerUnavailable, false // nothing listens there: the node has left
	}
	var rr remoteResult
	if err == nil {
		err = json.Unmarshal(out, &rr)
	}
	if err != nil || rr.Code == 0 {
		// Perhaps it ran and the answer was lost: not tried again.
		l.s.log.Warn("desk action on the router's node", "what", what, "node", node, "err", err)
		return routerUnavailable, true
	}
	if rr.Code == routerUnavailable.Code && rr.Text == routerUnavailable.Text {
		return routerUnavailable, false // that node runs no router (yet, or any more)
	}
	return action.Result{Code: rr.Code, Text: rr.Text, Params: rr.Params}, true
}

// answerAction runs an action another node handed over.
func (l *routerLeader) answerAction(_ context.Context, data []byte) []byte {
	var a remoteAction
	res := routerUnavailable
	if err := json.Unmarshal(data, &a); err == nil {
		if rt := l.router(); rt != nil {
			if h := rt.Handlers()[a.What]; h != nil {
				l.awaitNotesOf(a.Topic)
				res = h(&action.Request{Caller: remoteCaller{sid: a.SID, user: a.User, auth: a.Auth},
					Topic: a.Topic, What: a.What, Params: a.Params})
			}
		}
	}
	b, _ := json.Marshal(remoteResult{Code: res.Code, Text: res.Text, Params: res.Params})
	return b
}

// published is the hub's hook (in a topic's actor: it must not block).
func (l *routerLeader) published(topic string, from proto.Uid, seq int, head map[string]any) {
	if rt := l.router(); rt != nil {
		rt.Published(topic, from, seq, head)
		return
	}
	if from == proto.ZeroUid || head["private"] == true {
		return // the router ignores them
	}
	l.notes.add(routerNote{Kind: noteMessage, Topic: topic, User: from, Seq: seq, Head: head})
}

// sessionEnded starts uid's grace period on the router.
func (l *routerLeader) sessionEnded(uid proto.Uid) {
	if rt := l.router(); rt != nil {
		rt.SessionEnded(uid)
		return
	}
	l.notes.add(routerNote{Kind: noteEnded, User: uid})
}

// accountDeleted ends uid's open conversation on the router.
func (l *routerLeader) accountDeleted(uid proto.Uid) {
	if rt := l.router(); rt != nil {
		rt.AccountDeleted(uid)
		return
	}
	l.notes.add(routerNote{Kind: noteDeleted, User: uid})
}

// leaderCollector exports the routing metrics of the router while it
// runs on this node, nothing otherwise (an unchecked collector: what it
// describes changes with the lease).
type leaderCollector routerLeader

func (c *leaderCollector) Describe(chan<- *prometheus.Desc) {}

func (c *leaderCollector) Collect(ch chan<- prometheus.Metric) {
	if rt := (*routerLeader)(c).router(); rt != nil {
		rt.Collector().Collect(ch)
	}
}

// directorySaved tells the other nodes that this one saved a change of
// the staff directory (the desk's Saved hook; alone, nothing to tell).
func (s *Server) directorySaved() {
	if s.node != nil {
		s.node.Broadcast(deskDirectory, nil)
	}
}

// reloadDirectory reads the staff directory again after another node
// changed it; the router, if it runs here, hears every team and member.
func (l *routerLeader) reloadDirectory([]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.s.desk.Reload(ctx); err != nil {
		l.s.log.Warn("reading the staff directory again", "err", err)
	}
}

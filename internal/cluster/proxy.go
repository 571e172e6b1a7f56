package cluster

import (
	"sync"
	"sync/atomic"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// proxy stands, on a topic's owner, for a session on another node: topic
// actors attach it like any session, and what they send it goes back to the
// session's node on the link.
type proxy struct {
	node   *Node
	origin string
	sid    string
	// Who the session is, as of its latest request (a session logs in
	// after its first requests, and may change device only before).
	user   atomic.Uint64
	auth   atomic.Int64
	device atomic.Pointer[string]
	ended  atomic.Bool
}

var (
	_ hub.Subscriber  = (*proxy)(nil)
	_ hub.BatchSender = (*proxy)(nil)
)

func (p *proxy) SessionID() string     { return p.sid }
func (p *proxy) UserID() proto.Uid     { return proto.Uid(p.user.Load()) }
func (p *proxy) AuthLevel() int        { return int(p.auth.Load()) }
func (p *proxy) DeviceID() string      { return *p.device.Load() }
func (p *proxy) Send(f hub.Frame) bool { return p.SendBatch([]hub.Frame{f}) }

// SendBatch sends the frames to the session's node in one item.
func (p *proxy) SendBatch(fs []hub.Frame) bool {
	return p.toOrigin(item{Kind: kindFrames, SID: p.sid, Frames: framesOf(fs)})
}

func (p *proxy) SubDone(view string, ok bool) {
	p.toOrigin(item{Kind: kindSubDone, SID: p.sid, View: view, OK: ok})
}

func (p *proxy) Detached(view string) {
	p.toOrigin(item{Kind: kindDetached, SID: p.sid, View: view})
}

// Close disconnects the session on its node.
func (p *proxy) Close(d proto.Disconnect) {
	p.toOrigin(item{Kind: kindClose, SID: p.sid, Close: &d})
}

// Gone reports whether the session ended or its node died.
func (p *proxy) Gone() bool { return p.ended.Load() || !p.node.live(p.origin) }

func (p *proxy) end() {
	p.ended.Store(true)
	p.node.proxies.remove(p)
}

func (p *proxy) toOrigin(it item) bool {
	if p.Gone() {
		return false
	}
	return p.node.linkTo(p.origin).send(it)
}

// proxies are this node's proxies by origin node and session id.
type proxies struct {
	mu sync.Mutex
	m  map[proxyKey]*proxy
}

type proxyKey struct{ origin, sid string }

// get returns the proxy of the session that sent it, made or updated from
// what it says of the session.
func (ps *proxies) get(n *Node, origin string, it *item) *proxy {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	k := proxyKey{origin, it.SID}
	p := ps.m[k]
	if p == nil {
		p = &proxy{node: n, origin: origin, sid: it.SID}
		ps.m[k] = p
	}
	p.user.Store(uint64(it.User))
	p.auth.Store(int64(it.Auth))
	dev := it.Device
	p.device.Store(&dev)
	return p
}

func (ps *proxies) find(origin, sid string) *proxy {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.m[proxyKey{origin, sid}]
}

func (ps *proxies) remove(p *proxy) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if k := (proxyKey{p.origin, p.sid}); ps.m[k] == p {
		delete(ps.m, k)
	}
}

// dropDead forgets the proxies of nodes no longer alive; the actors drop
// them as gone on their next idle check.
func (ps *proxies) dropDead(live func(string) bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for k := range ps.m {
		if !live(k.origin) {
			delete(ps.m, k)
		}
	}
}

func (ps *proxies) all() []*proxy {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]*proxy, 0, len(ps.m))
	for _, p := range ps.m {
		out = append(out, p)
	}
	return out
}

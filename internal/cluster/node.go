// Package cluster joins gateways that share one PostgreSQL database and one
// NATS server into a cluster. Topics hash into shards; each shard has one
// owner at a time, by a lease row in PostgreSQL, and the owner runs the
// shard's topic actors unchanged (in-memory seq, group commit, msgid
// dedup). Its appends carry the lease as a fence, which the store checks in
// the write's own transaction, so a node that lost its lease can never
// assign a seq. Requests for a topic owned elsewhere go to the owner over
// NATS; the owner attaches a proxy of the session (proxy.go) and sends its
// replies and the topic's messages back the same way, on an ordered link
// that repeats what NATS loses (link.go). When a node dies its leases
// expire, its shards are taken by the next node that needs them, and the
// sessions that were attached through it are disconnected so their clients
// subscribe again.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Shards is how many shards topics hash into: the unit of ownership.
const Shards = 256

// DefaultLease is how long a lease lasts without renewal: the longest a
// dead node's topics stay unavailable.
const DefaultLease = 10 * time.Second

// ownerCacheFor is how long a node trusts what it read of another node's
// lease before reading it again.
const ownerCacheFor = time.Second

// Config is what a node needs.
type Config struct {
	NATS   string // nats://HOST:PORT
	Leases store.Leases
	Hub    *hub.Hub
	Lease  time.Duration // 0 means DefaultLease
	Log    *slog.Logger
}

// Node is this gateway's membership of the cluster. It is the hub's
// Placement.
type Node struct {
	id     string
	nc     *nats.Conn
	sub    *nats.Subscription
	calls  *nats.Subscription // service calls (calls.go)
	leases store.Leases
	hub    *hub.Hub
	ttl    time.Duration
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when maintain exits
	quit   chan struct{} // closed by Leave: stop heartbeats and renewals

	mu     sync.Mutex
	owned  map[int]ownedShard
	others map[int]otherShard
	alive  map[string]bool // nil until the first heartbeat
	// refreshed is when refreshAlive last read the list of live nodes.
	refreshed time.Time
	links     map[string]*link
	roster    map[proto.Uid]map[string]bool // users online on other nodes
	left      map[string]bool               // nodes that said they are leaving
	applied   map[linkKey]uint64            // only the NATS handler goroutine uses it

	proxies  proxies
	sessions sessions
	leaving  atomic.Bool // Leave was called
}

// ownedShard is a lease this node holds, valid by its own clock until
// validUntil (renewed before; a margin under the database's expiry).
type ownedShard struct {
	epoch      int64
	validUntil time.Time
}

// otherShard is what this node last read of a shard it does not hold.
type otherShard struct {
	node string
	read time.Time
}

// Start connects to NATS, announces the node and starts renewing its leases.
func Start(cfg Config) (*Node, error) {
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{id: randomID(), leases: cfg.Leases, hub: cfg.Hub, ttl: cfg.Lease, log: cfg.Log,
		ctx: ctx, cancel: cancel, done: make(chan struct{}), quit: make(chan struct{}),
		owned: map[int]ownedShard{}, others: map[int]otherShard{}, links: map[string]*link{},
		roster: map[proto.Uid]map[string]bool{}, left: map[string]bool{},
		applied: map[linkKey]uint64{}}
	n.proxies.m = map[proxyKey]*proxy{}
	n.sessions.m = map[string]*remoteSession{}
	nc, err := nats.Connect(cfg.NATS, nats.Name("parley "+n.id), nats.MaxReconnects(-1),
		nats.ReconnectWait(200*time.Millisecond), nats.ReconnectBufSize(64<<20))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cluster: connecting to %s: %w", cfg.NATS, err)
	}
	n.nc = nc
	if n.sub, err = nc.Subscribe(subjectOf(n.id), n.receive); err == nil {
		err = n.sub.SetPendingLimits(1<<20, 256<<20)
	}
	if err == nil {
		n.calls, err = nc.Subscribe(callSubjectOf(n.id), n.serveCall)
	}
	if err == nil {
		err = n.heartbeat()
	}
	if err != nil {
		nc.Close()
		cancel()
		return nil, fmt.Errorf("cluster: joining: %w", err)
	}
	go n.maintain()
	return n, nil
}

// ID is the node's id, new on every start.
func (n *Node) ID() string { return n.id }

// Leave starts a clean departure, before the hub stops. The node stops its
// heartbeats, gives its leases up (its actors' later writes are fenced if
// another node takes a shard meanwhile), disconnects the sessions of other
// nodes attached here (DisconnectMoved) and tells the other nodes it is
// gone, so their clients' next requests take its shards at once. Requests
// arriving from now on disconnect their sessions the same way: nothing is
// dropped with the hub while its session lives on elsewhere.
func (n *Node) Leave() {
	if n.leaving.Swap(true) {
		return
	}
	close(n.quit)
	<-n.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.leases.ReleaseNode(ctx, n.id); err != nil {
		n.log.Warn("cluster: giving the leases up", "err", err)
	}
	for _, p := range n.proxies.all() {
		p.Close(proto.DisconnectMoved)
	}
	for _, node := range n.otherNodes() {
		n.linkTo(node).send(item{Kind: kindLeaving})
	}
}

// nodeLeft forgets a node that said it is leaving.
func (n *Node) nodeLeft(node string) {
	n.mu.Lock()
	n.left[node] = true
	delete(n.alive, node)
	for k, o := range n.others {
		if o.node == node {
			delete(n.others, k)
		}
	}
	l := n.links[node]
	delete(n.links, node)
	n.mu.Unlock()
	if l != nil {
		l.close()
	}
	n.forgetNode(node)
	n.proxies.dropDead(n.live)
	n.sessions.sweep(n.live)
}

// Close gives the node's leases up, so other nodes take its shards at once,
// and leaves NATS. Call it after the hub has stopped; what the links still
// carry is delivered first, for up to linkTimeout.
func (n *Node) Close() error {
	deadline := time.Now().Add(linkTimeout)
	for !n.linksIdle() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling the links, with a deadline
	}
	n.cancel()
	<-n.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := n.leases.ReleaseNode(ctx, n.id)
	n.nc.Close()
	return err
}

// shardOf is the shard topic name belongs to.
func shardOf(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % Shards)
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// live reports whether node is alive, by the latest heartbeats.
func (n *Node) live(node string) bool {
	if node == n.id {
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.alive == nil || n.alive[node]
}

func (n *Node) linksIdle() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, l := range n.links {
		if !l.idle() {
			return false
		}
	}
	return true
}

// heard notes that node sent something: it is alive, even if it joined
// after this node's latest heartbeat read the list.
func (n *Node) heard(node string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.alive != nil && !n.alive[node] && !n.left[node] {
		n.alive[node] = true
		go n.greet(node)
	}
}

// linkTo is the link to node, made on first use.
func (n *Node) linkTo(node string) *link {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := n.links[node]
	if l == nil {
		l = newLink(n, node)
		n.links[node] = l
	}
	return l
}

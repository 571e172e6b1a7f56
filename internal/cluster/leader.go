package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-im/parley/internal/store"
)

// One node at a time runs the customer-service router: the holder of a
// reserved row of the lease table, RouterShard, which no topic hashes to.
// It is taken, renewed, lost and given up exactly like a shard's lease
// (maintain.go renews it with the others), so a dead router node's lease
// expires within the lease time and the next node to try takes it.
// Whatever the other nodes' sessions ask of the router travels to its
// holder by NATS request/reply on parley.node.<id>.desk.<kind>.

// RouterShard is the lease row of the router: past every topic's shard.
const RouterShard = Shards

// TakeRouter takes the router's lease if it is free or expired (or
// renews it when this node holds it) and reports whether this node holds
// it now.
func (n *Node) TakeRouter() bool {
	if n.leaving.Load() {
		return false
	}
	if n.HoldsRouter() {
		return true
	}
	began := time.Now()
	l, err := n.leases.AcquireLease(n.ctx, RouterShard, n.id, n.ttl)
	if err != nil {
		if n.ctx.Err() == nil {
			n.log.Warn("cluster: taking the router's lease", "err", err)
		}
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.Node != n.id {
		n.others[RouterShard] = otherShard{node: l.Node, read: time.Now()}
		return false
	}
	n.owned[RouterShard] = ownedShard{epoch: l.Epoch, validUntil: began.Add(n.validity())}
	delete(n.others, RouterShard)
	return true
}

// HoldsRouter reports whether this node holds the router's lease and may
// still vouch for it.
func (n *Node) HoldsRouter() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	o, ok := n.owned[RouterShard]
	return ok && time.Now().Before(o.validUntil)
}

// RouterFence is the lease this node holds on the router's row, for the
// router's writes to carry (store.WithFence): false when it holds none.
func (n *Node) RouterFence() (store.Fence, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	o, ok := n.owned[RouterShard]
	if !ok || !time.Now().Before(o.validUntil) {
		return store.Fence{}, false
	}
	return store.Fence{Shard: RouterShard, Node: n.id, Epoch: o.epoch}, true
}

// LostRouter forgets the router's lease of epoch after the store refused
// a write under it (store.ErrFenced): another node took the router over,
// whatever this node's renewals said, so the next TakeRouter asks the
// database instead of vouching for the lease.
func (n *Node) LostRouter(epoch int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if o, ok := n.owned[RouterShard]; ok && o.epoch == epoch {
		delete(n.owned, RouterShard)
	}
}

// RouterNode is the live node holding the router's lease, "" when none
// does (or this node cannot tell).
func (n *Node) RouterNode() string {
	owner := n.ownerOfShard(RouterShard)
	if owner != "" && !n.live(owner) && n.forgetStale(RouterShard) {
		// What this node read names a node that has left: the router
		// may have moved since, so read the lease again rather than
		// answer "no router" for the rest of ownerCacheFor.
		owner = n.ownerOfShard(RouterShard)
	}
	if owner == "" || !n.live(owner) {
		return ""
	}
	return owner
}

// forgetStale drops what this node read of shard k's owner if it was read
// more than refreshEvery ago, so the next look reads the lease again, and
// reports whether it did (at most one read per refreshEvery).
func (n *Node) forgetStale(k int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if o, ok := n.others[k]; ok && time.Since(o.read) >= refreshEvery {
		delete(n.others, k)
		return true
	}
	return false
}

// OwnerOf is the live node owning topic's shard, as far as this node
// knows: this node's id, another's, or "" when none does.
func (n *Node) OwnerOf(topic string) string {
	owner := n.ownerOf(topic)
	if owner == "" || !n.live(owner) {
		return ""
	}
	return owner
}

// deskSubject is where node answers desk messages of kind.
func deskSubject(node, kind string) string { return subjectOf(node) + ".desk." + kind }

// HandleDesk answers the desk messages of kind sent to this node with fn,
// each on a goroutine of its own (fn may wait for the router and the
// store).
func (n *Node) HandleDesk(kind string, fn func(ctx context.Context, data []byte) []byte) error {
	_, err := n.nc.Subscribe(deskSubject(n.id, kind), func(m *nats.Msg) {
		go func() {
			ctx, cancel := context.WithTimeout(n.ctx, callTimeout)
			defer cancel()
			out := fn(ctx, m.Data)
			if m.Reply == "" {
				return
			}
			if err := m.Respond(out); err != nil {
				n.log.Debug("cluster: answering a desk request", "kind", kind, "err", err)
			}
		}()
	})
	return err
}

// ErrNoResponder is AskDesk's error when nothing listens on node's
// subject (the node has left): the request was certainly not handled.
var ErrNoResponder = errors.New("cluster: no node answers there")

// AskDesk sends data to node's handler of kind and returns its answer.
func (n *Node) AskDesk(ctx context.Context, node, kind string, data []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	m, err := n.nc.RequestWithContext(ctx, deskSubject(node, kind), data)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("%w: desk request to %s", ErrNoResponder, node)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: desk request to %s: %w", node, err)
	}
	return m.Data, nil
}

// broadcastSubject is where every node hears messages of kind.
func broadcastSubject(kind string) string { return "parley.all." + kind }

// HandleBroadcast runs fn, on a goroutine of its own, for every message
// of kind another node broadcasts.
func (n *Node) HandleBroadcast(kind string, fn func(data []byte)) error {
	_, err := n.nc.Subscribe(broadcastSubject(kind), func(m *nats.Msg) {
		if m.Header.Get("From") == n.id {
			return
		}
		go fn(m.Data)
	})
	return err
}

// Broadcast sends data to every other node's handler of kind, without
// waiting.
func (n *Node) Broadcast(kind string, data []byte) {
	m := nats.NewMsg(broadcastSubject(kind))
	m.Header.Set("From", n.id)
	m.Data = data
	if err := n.nc.PublishMsg(m); err != nil {
		n.log.Debug("cluster: broadcast", "kind", kind, "err", err)
	}
}

package cluster

import (
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

var _ hub.Placement = (*Node)(nil)

// Place implements hub.Placement.
func (n *Node) Place(name string, acquire bool) (store.Fence, bool) {
	k := shardOf(name)
	n.mu.Lock()
	o, ok := n.owned[k]
	other, known := n.others[k]
	n.mu.Unlock()
	if ok && time.Now().Before(o.validUntil) {
		return store.Fence{Shard: k, Node: n.id, Epoch: o.epoch}, true
	}
	// A live node held it a moment ago: no need to ask the database on
	// every request for its topics.
	if !acquire || (known && time.Since(other.read) < ownerCacheFor && n.live(other.node)) {
		return store.Fence{}, false
	}
	began := time.Now()
	l, err := n.leases.AcquireLease(n.ctx, k, n.id, n.ttl)
	if err != nil {
		n.log.Warn("cluster: taking a lease", "shard", k, "err", err)
		return store.Fence{}, false
	}
	if l.Node != n.id {
		n.noteOther(l)
		return store.Fence{}, false
	}
	n.mu.Lock()
	prev, had := n.owned[k]
	n.owned[k] = ownedShard{epoch: l.Epoch, validUntil: began.Add(n.validity())}
	delete(n.others, k)
	n.mu.Unlock()
	n.sessions.moved(k, n.id)
	if had && prev.epoch != l.Epoch {
		// The lease lapsed and was taken again: actors of the old epoch
		// would be fenced at their next write, so retire them now.
		n.hub.DropTopics(func(name string) bool { return shardOf(name) == k })
	}
	return store.Fence{Shard: k, Node: n.id, Epoch: l.Epoch}, true
}

// validity is how long after a renewal began this node trusts its lease:
// less than the lease, so it stops acting as owner before the database
// lets another node take over, even if its clock runs a little slow.
func (n *Node) validity() time.Duration { return n.ttl * 4 / 5 }

func (n *Node) noteOther(l store.Lease) {
	n.mu.Lock()
	n.others[l.Shard] = otherShard{node: l.Node, read: time.Now()}
	n.mu.Unlock()
	n.sessions.moved(l.Shard, l.Node)
}

// ownerOf is the node that owns name's shard as far as this node knows,
// reading the lease again when what it knows is older than ownerCacheFor.
func (n *Node) ownerOf(name string) string { return n.ownerOfShard(shardOf(name)) }

// ownerOfShard is ownerOf for shard k.
func (n *Node) ownerOfShard(k int) string {
	n.mu.Lock()
	if o, ok := n.owned[k]; ok && time.Now().Before(o.validUntil) {
		n.mu.Unlock()
		return n.id
	}
	other, ok := n.others[k]
	n.mu.Unlock()
	if ok && time.Since(other.read) < ownerCacheFor {
		return other.node
	}
	ls, err := n.leases.ReadLeases(n.ctx, []int{k})
	if err != nil {
		n.log.Warn("cluster: reading a lease", "shard", k, "err", err)
		return other.node
	}
	if len(ls) == 0 {
		return ""
	}
	if ls[0].Node != n.id {
		n.noteOther(ls[0])
	}
	return ls[0].Node
}

// Remote implements hub.Placement.
func (n *Node) Remote(name string) bool {
	owner := n.ownerOf(name)
	return owner != "" && owner != n.id && n.live(owner)
}

// Forward implements hub.Placement. A request for a topic whose owner is
// dead or unknown (its lease not yet expired, or the database unreachable)
// disconnects its session with DisconnectMoved instead of being refused
// with 503: the client reconnects and resends what is unacknowledged in
// order, where after a 503 it would retry the refused message behind later
// ones that another owner accepted meanwhile.
func (n *Node) Forward(name string, ev hub.Remote) bool {
	owner := n.ownerOf(name)
	if owner != "" && owner != n.id && !n.live(owner) {
		n.refreshAlive() // the owner may have joined since the last heartbeat
	}
	if owner == "" || owner == n.id || !n.live(owner) {
		if ev.Req != nil {
			n.log.Warn("cluster: no live owner; disconnecting the session", "topic", name, "owner", owner)
			if c, ok := ev.Req.Sess.(interface{ Close(proto.Disconnect) }); ok {
				c.Close(proto.DisconnectMoved)
				return true
			}
		}
		return false
	}
	it, err := remoteItem(name, ev)
	if err != nil {
		n.log.Error("cluster: encoding an event", "topic", name, "err", err)
		return false
	}
	if ev.Req != nil {
		n.sessions.track(ev.Req.Sess, name, owner)
	}
	return n.linkTo(owner).send(it)
}

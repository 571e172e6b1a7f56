package cluster

import (
	"time"
)

// maintain beats the node's heart and renews its leases every quarter of
// the lease, until Close.
func (n *Node) maintain() {
	defer close(n.done)
	tick := time.NewTicker(n.ttl / 4)
	defer tick.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.quit:
			return
		case <-tick.C:
		}
		if err := n.heartbeat(); err != nil && n.ctx.Err() == nil {
			n.log.Warn("cluster: heartbeat", "err", err)
		}
		n.renew()
		n.proxies.dropDead(n.live)
		n.sessions.sweep(n.live)
	}
}

// heartbeat records this node as alive and learns which others are; links
// to nodes that died are closed.
func (n *Node) heartbeat() error {
	nodes, err := n.leases.Heartbeat(n.ctx, n.id, n.ttl)
	if err != nil {
		return err
	}
	alive := make(map[string]bool, len(nodes))
	n.mu.Lock()
	for _, id := range nodes {
		if !n.left[id] {
			alive[id] = true
		}
	}
	prev := n.alive
	n.alive = alive
	var dead []*link
	var joined, left []string
	for id := range alive {
		if id != n.id && !prev[id] {
			joined = append(joined, id)
		}
	}
	for id := range prev {
		if !alive[id] {
			left = append(left, id)
		}
	}
	for id, l := range n.links {
		if !alive[id] {
			dead = append(dead, l)
			delete(n.links, id)
		}
	}
	for k, o := range n.others {
		if !alive[o.node] {
			delete(n.others, k) // read again: it may be free by now
		}
	}
	n.mu.Unlock()
	for _, l := range dead {
		l.close()
	}
	for _, id := range joined {
		n.greet(id)
	}
	for _, id := range left {
		n.forgetNode(id)
	}
	return nil
}

// refreshAlive reads the list of live nodes again, at most every
// refreshEvery: a lease naming a node this node has not heard of yet.
func (n *Node) refreshAlive() {
	n.mu.Lock()
	due := time.Since(n.refreshed) >= refreshEvery
	if due {
		n.refreshed = time.Now()
	}
	n.mu.Unlock()
	if due {
		if err := n.heartbeat(); err != nil {
			n.log.Warn("cluster: heartbeat", "err", err)
		}
	}
}

// refreshEvery bounds how often refreshAlive reads the list.
const refreshEvery = 100 * time.Millisecond

// renew extends the leases this node holds. Those it lost, or can no longer
// vouch for because the database did not answer in time, are given up: their
// actors retire and their sessions reconnect to the new owner.
func (n *Node) renew() {
	n.mu.Lock()
	shards := make([]int, 0, len(n.owned))
	for k := range n.owned {
		shards = append(shards, k)
	}
	n.mu.Unlock()
	if len(shards) == 0 {
		return
	}
	began := time.Now()
	held, err := n.leases.RenewLeases(n.ctx, n.id, shards, n.ttl)
	lost := map[int]bool{}
	n.mu.Lock()
	if err != nil {
		for k, o := range n.owned {
			if !time.Now().Before(o.validUntil) {
				lost[k] = true
				delete(n.owned, k)
			}
		}
	} else {
		still := map[int]int64{}
		for _, l := range held {
			still[l.Shard] = l.Epoch
		}
		for _, k := range shards {
			o, ok := n.owned[k]
			if !ok {
				continue
			}
			if e, ok := still[k]; ok && e == o.epoch {
				n.owned[k] = ownedShard{epoch: e, validUntil: began.Add(n.validity())}
			} else {
				lost[k] = true
				delete(n.owned, k)
			}
		}
	}
	n.mu.Unlock()
	if err != nil && n.ctx.Err() == nil {
		n.log.Warn("cluster: renewing leases", "err", err)
	}
	if len(lost) > 0 {
		n.log.Info("cluster: leases lost", "shards", len(lost))
		n.hub.DropTopics(func(name string) bool { return lost[shardOf(name)] })
	}
}

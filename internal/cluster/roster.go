package cluster

import (
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// The roster is which users are online on which other node: each node tells
// every other, on its link, when a user's first session on it starts and
// its last ends, and sends a node it has not seen before the whole list.
// A node that dies takes its users with it.

var _ hub.Roster = (*Node)(nil)

// OnlineElsewhere implements hub.Roster.
func (n *Node) OnlineElsewhere(uid proto.Uid) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for node := range n.roster[uid] {
		if n.alive == nil || n.alive[node] {
			return true
		}
	}
	return false
}

// LocalOnline implements hub.Roster.
func (n *Node) LocalOnline(uid proto.Uid, on bool) {
	it := item{Kind: kindOnline, User: uid, OK: on}
	for _, node := range n.otherNodes() {
		n.linkTo(node).send(it)
	}
}

// otherNodes lists the other live nodes.
func (n *Node) otherNodes() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]string, 0, len(n.alive))
	for node := range n.alive {
		if node != n.id {
			out = append(out, node)
		}
	}
	return out
}

// applyOnline records another node's news of a user.
func (n *Node) applyOnline(from string, it *item) {
	n.mu.Lock()
	nodes := n.roster[it.User]
	if it.OK {
		if nodes == nil {
			nodes = map[string]bool{}
			n.roster[it.User] = nodes
		}
		nodes[from] = true
	} else {
		delete(nodes, from)
		if len(nodes) == 0 {
			delete(n.roster, it.User)
		}
	}
	n.mu.Unlock()
	if !it.OK {
		n.hub.RemoteOffline(it.User)
	}
}

// greet sends a node seen for the first time the users online here.
func (n *Node) greet(node string) {
	l := n.linkTo(node)
	for _, uid := range n.hub.LocalOnlineUsers() {
		l.send(item{Kind: kindOnline, User: uid, OK: true})
	}
}

// forgetNode drops the users of a node that died; those now offline
// everywhere are announced.
func (n *Node) forgetNode(node string) {
	var gone []proto.Uid
	n.mu.Lock()
	for uid, nodes := range n.roster {
		if nodes[node] {
			delete(nodes, node)
			if len(nodes) == 0 {
				delete(n.roster, uid)
				gone = append(gone, uid)
			}
		}
	}
	n.mu.Unlock()
	for _, uid := range gone {
		n.hub.RemoteOffline(uid)
	}
}

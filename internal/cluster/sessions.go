package cluster

import (
	"sync"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// sessions are this node's sessions that sent something to a topic owned
// elsewhere, with the nodes they depend on: when one of those dies, the
// session is disconnected (DisconnectMoved) so its client comes back and
// subscribes again, reaching the topics' new owners.
type sessions struct {
	mu sync.Mutex
	m  map[string]*remoteSession
}

type remoteSession struct {
	sess hub.Subscriber
	// owners counts, per node, the topics this session reached there.
	owners map[string]map[string]bool
}

// track records that sess sent a request for topic to owner.
func (ss *sessions) track(sess hub.Subscriber, topic, owner string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	rs := ss.m[sess.SessionID()]
	if rs == nil {
		rs = &remoteSession{sess: sess, owners: map[string]map[string]bool{}}
		ss.m[sess.SessionID()] = rs
	}
	if rs.owners[owner] == nil {
		rs.owners[owner] = map[string]bool{}
	}
	rs.owners[owner][topic] = true
}

func (ss *sessions) find(sid string) hub.Subscriber {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if rs := ss.m[sid]; rs != nil {
		return rs.sess
	}
	return nil
}

// apply delivers an item from a topic's owner to the session it names.
func (ss *sessions) apply(it *item) {
	s := ss.find(it.SID)
	if s == nil {
		return // the session ended
	}
	switch it.Kind {
	case kindFrames:
		fs := hubFrames(it.Frames)
		if bs, ok := s.(hub.BatchSender); ok {
			bs.SendBatch(fs)
			return
		}
		for _, f := range fs {
			s.Send(f)
		}
	case kindSubDone:
		s.SubDone(it.View, it.OK)
	case kindDetached:
		s.Detached(it.View)
		ss.untrack(it.SID, it.Topic)
	case kindClose:
		if c, ok := s.(interface{ Close(proto.Disconnect) }); ok && it.Close != nil {
			c.Close(*it.Close)
		}
	}
}

// sweep forgets ended sessions and disconnects those that depended on a
// node that is no longer alive.
func (ss *sessions) sweep(live func(string) bool) {
	ss.mu.Lock()
	var moved []hub.Subscriber
	for sid, rs := range ss.m {
		if rs.sess.Gone() {
			delete(ss.m, sid)
			continue
		}
		for owner := range rs.owners {
			if !live(owner) {
				moved = append(moved, rs.sess)
				delete(ss.m, sid)
				break
			}
		}
	}
	ss.mu.Unlock()
	for _, s := range moved {
		if c, ok := s.(interface{ Close(proto.Disconnect) }); ok {
			c.Close(proto.DisconnectMoved)
		}
	}
}

// untrack forgets that session sid depends on topic's owner.
func (ss *sessions) untrack(sid, topic string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if rs := ss.m[sid]; rs != nil {
		for _, topics := range rs.owners {
			delete(topics, topic)
		}
	}
}

// moved disconnects the sessions attached to a topic of shard through a
// node other than owner, which now holds the shard: their requests may be
// lost with the old owner, and later ones would reach an actor they are
// not attached to. Coming back, they attach to the new owner.
func (ss *sessions) moved(shard int, owner string) {
	ss.mu.Lock()
	var moved []hub.Subscriber
	for sid, rs := range ss.m {
		if rs.dependsElsewhere(shard, owner) {
			moved = append(moved, rs.sess)
			delete(ss.m, sid)
		}
	}
	ss.mu.Unlock()
	for _, s := range moved {
		if c, ok := s.(interface{ Close(proto.Disconnect) }); ok {
			c.Close(proto.DisconnectMoved)
		}
	}
}

func (rs *remoteSession) dependsElsewhere(shard int, owner string) bool {
	for node, topics := range rs.owners {
		if node == owner {
			continue
		}
		for topic := range topics {
			if shardOf(topic) == shard {
				return true
			}
		}
	}
	return false
}

package hub

import (
	"errors"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// peek answers a get from a session that is not attached to the topic.
// Tinode clients ask for a topic's description before (or instead of)
// subscribing — to show a contact's card, or a group found by search — so
// such a get is answered, as Tinode does, with what the caller may see
// without attaching: the public description (more for members), the
// caller's own subscription, and 403 for messages and deletions. The topic
// is loaded for that and unloads again when idle.
func (t *topic) peek(r *Request) {
	g := r.Msg.Get
	err := t.load()
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound) && t.kind == kindP2P:
		// No conversation yet: the peer's public card still answers desc.
	default:
		t.reply(r, storeErr(r, err))
		return
	}
	t.query(r, g.ID, &g.MsgGetQuery)
}

// peerKnown checks, for a peek at a p2p topic that does not exist yet, that
// the peer does, answering 404 if not. Other peeks need no check: their
// topic was loaded.
func (q *querier) peerKnown() bool {
	if q.kind != kindP2P || q.snap.loaded {
		return true
	}
	_, err := q.hub.store.GetUser(q.ctx(), proto.P2PPeer(q.name, q.sess.UserID()))
	switch {
	case errors.Is(err, store.ErrNotFound):
		q.send(proto.UserNotFound(q.id, q.view, proto.Now()))
		return false
	case err != nil:
		q.fail(err)
		return false
	}
	return true
}

// outsiderDesc is the description of a topic the caller is not a member
// of: for a p2p topic the peer's card, for a group its public face. Access,
// private data and message counts are the members' business.
func (q *querier) outsiderDesc() {
	if q.kind == kindP2P {
		peer, err := q.hub.store.GetUser(q.ctx(), proto.P2PPeer(q.name, q.sess.UserID()))
		if err != nil {
			q.fail(err)
			return
		}
		q.meta(&proto.MsgServerMeta{Desc: &proto.MsgTopicDesc{CreatedAt: proto.TimePtr(peer.CreatedAt),
			UpdatedAt: proto.TimePtr(peer.UpdatedAt), Public: peer.Public, Trusted: peer.Trusted,
			Online: q.hub.IsOnline(peer.ID)}})
		return
	}
	tp := q.snap.topic
	q.meta(&proto.MsgServerMeta{Desc: &proto.MsgTopicDesc{CreatedAt: proto.TimePtr(tp.CreatedAt),
		UpdatedAt: proto.TimePtr(tp.UpdatedAt), DefaultAcs: defAcs(tp.Access),
		Public: tp.Public, Trusted: tp.Trusted}})
}

// ownSub is the one subscription a session not attached to a topic may
// see: its user's own, or none.
func (q *querier) ownSub() []proto.MsgTopicSub {
	if !q.snap.member {
		return nil
	}
	return q.members(&proto.MsgGetOpts{User: q.sess.UserID().UserID()})
}

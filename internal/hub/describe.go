package hub

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// desc sends the topic's description as the caller sees it.
func (q *querier) desc() {
	uid := q.sess.UserID()
	if q.kind == kindMe || q.kind == kindFnd {
		u := q.snap.user
		q.meta(&proto.MsgServerMeta{Desc: &proto.MsgTopicDesc{
			CreatedAt: proto.TimePtr(u.CreatedAt), UpdatedAt: proto.TimePtr(u.UpdatedAt),
			DefaultAcs: defAcs(u.Access), Acs: proto.Acs(proto.ModeCSelf, proto.ModeCSelf),
			Public: u.Public, Trusted: u.Trusted}})
		return
	}
	if !q.snap.attached && !q.snap.member {
		q.outsiderDesc()
		return
	}
	tp, sub := q.snap.topic, q.snap.sub
	d := &proto.MsgTopicDesc{
		CreatedAt: proto.TimePtr(tp.CreatedAt), UpdatedAt: proto.TimePtr(tp.UpdatedAt),
		TouchedAt: proto.TimePtr(tp.TouchedAt), Acs: proto.Acs(sub.ModeWant, sub.ModeGiven),
		Private: sub.Private, Epoch: tp.Epoch, DelID: tp.DelID}
	if q.snap.mode.IsSet(proto.ModeRead) {
		d.SeqID, d.ReadSeqID, d.RecvSeqID = tp.SeqID, sub.ReadSeqID, sub.RecvSeqID
	}
	if q.kind == kindP2P {
		peer := proto.P2PPeer(q.name, uid)
		var gone bool
		if d.Public, d.Trusted, gone = q.card(peer); gone {
			d.State = proto.StateDeleted
		}
		d.Online = q.hub.IsOnline(peer)
	} else {
		d.DefaultAcs, d.Public, d.Trusted = defAcs(tp.Access), tp.Public, tp.Trusted
		d.SubCount = len(q.snap.subs)
	}
	q.meta(&proto.MsgServerMeta{Desc: d})
}

// subs sends the subscriptions: on "me" the user's topics, elsewhere the
// topic's members. An empty answer is ctrl 204.
func (q *querier) subs(opts *proto.MsgGetOpts) {
	var list []proto.MsgTopicSub
	var err error
	switch {
	case q.kind == kindMe:
		list, err = q.userTopics(opts)
	case q.kind == kindFnd:
		list, err = q.search()
	case !q.snap.attached:
		list = q.ownSub()
	default:
		list = q.members(opts)
	}
	if err != nil {
		q.fail(err)
		return
	}
	if len(list) == 0 {
		q.send(proto.NoContent(q.id, q.view, "sub", proto.Now()))
		return
	}
	q.meta(&proto.MsgServerMeta{Sub: list})
}

// userTopics lists the caller's topics for "me", optionally only one.
func (q *querier) userTopics(opts *proto.MsgGetOpts) ([]proto.MsgTopicSub, error) {
	uid := q.sess.UserID()
	rows, err := q.hub.store.UserTopics(q.ctx(), uid)
	if err != nil {
		return nil, err
	}
	var out []proto.MsgTopicSub
	for i := range rows {
		sub, tp := &rows[i].Sub, &rows[i].Topic
		view := tp.Name
		if kindOf(tp.Name) == kindP2P {
			view = proto.P2PPeer(tp.Name, uid).UserID()
		}
		if opts != nil && opts.Topic != "" && opts.Topic != view {
			continue
		}
		if sub.ModeWant == proto.ModeNone {
			// A restricted member who left: the record only keeps the
			// restriction (access.go); to its user the topic is gone.
			continue
		}
		if opts != nil && opts.IfModifiedSince != nil && !changedSince(sub, tp, opts.IfModifiedSince.Time) {
			continue
		}
		out = append(out, q.topicEntry(uid, view, sub, tp))
	}
	return out, nil
}

func (q *querier) topicEntry(uid proto.Uid, view string, sub *store.Subscription, tp *store.Topic) proto.MsgTopicSub {
	e := proto.MsgTopicSub{Topic: view, UpdatedAt: proto.TimePtr(latest(sub.UpdatedAt, tp.UpdatedAt)),
		TouchedAt: proto.TimePtr(tp.TouchedAt), Acs: *proto.Acs(sub.ModeWant, sub.ModeGiven),
		Private: sub.Private, DelID: tp.DelID}
	if sub.Mode().IsSet(proto.ModeRead) {
		e.SeqID, e.ReadSeqID, e.RecvSeqID = tp.SeqID, sub.ReadSeqID, sub.RecvSeqID
	}
	if kindOf(tp.Name) == kindP2P {
		peer := proto.P2PPeer(tp.Name, uid)
		e.Public, e.Trusted = q.userCard(peer)
		e.Online = q.hub.IsOnline(peer)
	} else {
		e.Public, e.Trusted = tp.Public, tp.Trusted
	}
	return e
}

// members lists the topic's subscribers, optionally only one user.
func (q *querier) members(opts *proto.MsgGetOpts) []proto.MsgTopicSub {
	var out []proto.MsgTopicSub
	for i := range q.snap.subs {
		sub := &q.snap.subs[i]
		if opts != nil && opts.User != "" && opts.User != sub.User.UserID() {
			continue
		}
		e := proto.MsgTopicSub{User: sub.User.UserID(), UpdatedAt: proto.TimePtr(sub.UpdatedAt),
			Acs: *proto.Acs(sub.ModeWant, sub.ModeGiven), Online: q.hub.IsOnline(sub.User),
			ReadSeqID: sub.ReadSeqID, RecvSeqID: sub.RecvSeqID}
		e.Public, e.Trusted = q.userCard(sub.User)
		if sub.User == q.sess.UserID() {
			e.Private = sub.Private
		}
		out = append(out, e)
	}
	return out
}

// userCard is a user's public and trusted data, empty if the user is gone.
func (q *querier) userCard(uid proto.Uid) (json.RawMessage, json.RawMessage) {
	pub, trusted, _ := q.card(uid)
	return pub, trusted
}

// card is userCard that also says whether the user is gone: deleted
// accounts read as not found.
func (q *querier) card(uid proto.Uid) (json.RawMessage, json.RawMessage, bool) {
	u, err := q.hub.store.GetUser(q.ctx(), uid)
	if err != nil {
		return nil, nil, errors.Is(err, store.ErrNotFound)
	}
	return u.Public, u.Trusted, false
}

func defAcs(a store.DefaultAccess) *proto.MsgDefaultAcsMode {
	return &proto.MsgDefaultAcsMode{Auth: a.Auth.String(), Anon: a.Anon.String()}
}

func changedSince(sub *store.Subscription, tp *store.Topic, ims time.Time) bool {
	return latest(sub.UpdatedAt, tp.UpdatedAt, tp.TouchedAt).After(ims)
}

func latest(ts ...time.Time) time.Time {
	var max time.Time
	for _, t := range ts {
		if t.After(max) {
			max = t
		}
	}
	return max
}

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
// of: for a p2p topic the peer's card, for a group its public face. Private
// data and message counts are the members' business. For a p2p topic it
// carries acs.mode, what the peer grants callers of this auth level: a
// Tinode client starting a chat asks for this desc alone and enables its
// input from that mode.
func (q *querier) outsiderDesc() {
	if q.kind == kindP2P {
		peer, err := q.hub.store.GetUser(q.ctx(), proto.P2PPeer(q.name, q.sess.UserID()))
		if errors.Is(err, store.ErrNotFound) {
			// A deleted account: to outsiders it no longer exists.
			q.send(proto.UserNotFound(q.id, q.view, proto.Now()))
			return
		}
		if err != nil {
			q.fail(err)
			return
		}
		acs := &proto.MsgAccessMode{Mode: accessFor(peer.Access, q.sess.AuthLevel()).String()}
		q.meta(&proto.MsgServerMeta{Desc: &proto.MsgTopicDesc{CreatedAt: proto.TimePtr(peer.CreatedAt),
			UpdatedAt: proto.TimePtr(peer.UpdatedAt), Acs: acs, Public: peer.Public, Trusted: peer.Trusted,
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

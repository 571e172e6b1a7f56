package hub

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// maxDelRange bounds how many seqs one delete may cover.
const maxDelRange = 1 << 20

// handleDel deletes messages, a member or the whole topic.
func (t *topic) handleDel(r *Request) {
	d := r.Msg.Del
	if _, ok := t.attached[r.Sess]; !ok {
		t.reply(r, proto.AttachFirst(d.ID, r.View, proto.Now()))
		return
	}
	if t.kind == kindMe || t.kind == kindFnd {
		t.reply(r, proto.Forbidden(d.ID, r.View, proto.Now()))
		return
	}
	var fail *proto.ServerMsg
	switch d.What {
	case "msg":
		fail = t.delMessages(r)
	case "sub":
		fail = t.delSub(r)
	case "topic":
		fail = t.delTopic(r)
	default:
		fail = proto.Malformed(d.ID, r.View, proto.Now())
	}
	if fail != nil {
		t.reply(r, fail)
	}
}

// delMessages hides messages from the caller (soft) or wipes them for
// everyone (hard, needs D; without D it quietly becomes soft).
func (t *topic) delMessages(r *Request) *proto.ServerMsg {
	d := r.Msg.Del
	uid := r.Sess.UserID()
	ranges, ok := t.validRanges(d.DelSeq)
	if !ok {
		return proto.Malformed(d.ID, r.View, proto.Now())
	}
	mode := t.mode(uid)
	if !mode.IsSet(proto.ModeRead) {
		return proto.Forbidden(d.ID, r.View, proto.Now())
	}
	hard := d.Hard && mode.IsSet(proto.ModeDelete)
	forUser := uid
	if hard {
		forUser = proto.ZeroUid
	}
	delID, err := t.hub.store.DeleteMessages(t.hub.ctx, t.name, forUser, ranges)
	if err != nil {
		return storeErr(r, err)
	}
	t.desc.DelID = delID
	if hard {
		now := time.Now().UTC()
		for _, rg := range ranges {
			t.recent.wipe(rg.Low, rg.Hi, now)
		}
	}
	t.reply(r, proto.CtrlParams(d.ID, r.View, proto.CodeOK, "ok", map[string]any{"del": delID}, proto.Now()))
	t.announceDel(r.Sess, hard, delID, fromRanges(ranges))
	return nil
}

// announceDel tells who can see a deletion: attached sessions on the topic
// and, for a hard delete, the other readers on "me". A soft delete concerns
// the deleter's other sessions only.
func (t *topic) announceDel(by Subscriber, hard bool, delID int, ranges []proto.MsgDelRange) {
	uid := by.UserID()
	attached := map[proto.Uid]bool{}
	for s, view := range t.attached {
		attached[s.UserID()] = true
		if s == by || (!hard && s.UserID() != uid) {
			continue
		}
		t.send(s, &proto.ServerMsg{Pres: &proto.MsgServerPres{Topic: view, Src: view, What: "del",
			DelID: delID, DelSeq: ranges}})
	}
	if !hard {
		return
	}
	for member, sub := range t.subs {
		if attached[member] || !sub.Mode().IsSet(proto.ModeRead) {
			continue
		}
		t.hub.presToUser(member, &proto.MsgServerPres{Topic: proto.TopicMe, Src: t.viewFor(member), What: "del",
			DelID: delID, DelSeq: ranges}, nil)
	}
}

// validRanges converts and checks delete ranges: non-empty, at most
// maxRanges, starting within the topic's messages, and covering at most
// maxDelRange seqs together. The sum is checked against what is left of the
// cap before each addition: two ranges of 2^62 seqs would wrap a plain sum
// around to a small number.
func (t *topic) validRanges(in []proto.MsgDelRange) ([]store.Range, bool) {
	if len(in) > maxRanges {
		return nil, false
	}
	ranges := toRanges(in)
	if len(ranges) == 0 || len(ranges) != len(in) {
		return nil, false
	}
	total := 0
	for _, rg := range ranges {
		n := rg.Hi - rg.Low // toRanges keeps 0 < Low < Hi: no overflow
		if rg.Low > t.desc.SeqID || n > maxDelRange-total {
			return nil, false
		}
		total += n
	}
	return ranges, true
}

// delSub removes a member: the caller themselves, or another member when the
// caller may approve (A). The owner cannot be removed.
func (t *topic) delSub(r *Request) *proto.ServerMsg {
	d := r.Msg.Del
	uid, now := r.Sess.UserID(), proto.Now()
	target := proto.ParseUserID(d.User)
	if d.User == "" {
		target = uid
	}
	sub := t.subs[target]
	switch {
	case target == proto.ZeroUid:
		return proto.Malformed(d.ID, r.View, now)
	case sub == nil:
		return proto.UserNotFound(d.ID, r.View, now)
	case sub.ModeGiven.IsSet(proto.ModeOwner):
		return proto.Forbidden(d.ID, r.View, now)
	case target != uid && (t.kind != kindGroup || !t.mode(uid).IsSet(proto.ModeApprove)):
		return proto.Forbidden(d.ID, r.View, now)
	}
	if fail := t.removeMember(r, target); fail != nil {
		return fail
	}
	if target == uid {
		t.detachSession(r.Sess)
	}
	t.reply(r, proto.OK(d.ID, r.View, now))
	return nil
}

// delTopic deletes a group (owner only) with everything in it. In a p2p
// topic it removes the caller's side only; the topic goes with the last one.
func (t *topic) delTopic(r *Request) *proto.ServerMsg {
	d := r.Msg.Del
	uid, now := r.Sess.UserID(), proto.Now()
	if t.kind == kindP2P {
		if fail := t.removeMember(r, uid); fail != nil {
			return fail
		}
		t.detachSession(r.Sess)
		t.reply(r, proto.OK(d.ID, r.View, now))
		return nil
	}
	if !t.mode(uid).IsSet(proto.ModeOwner) {
		return proto.Forbidden(d.ID, r.View, now)
	}
	if err := t.destroy(uid, r.Sess); err != nil {
		return storeErr(r, err)
	}
	t.detachSession(r.Sess)
	t.reply(r, proto.OK(d.ID, r.View, now))
	return nil
}

// destroy deletes the group with everything in it, evicts every session
// but keep with ctrl 205 and tells the members other than by, who deleted
// it, on "me" that it is gone.
func (t *topic) destroy(by proto.Uid, keep Subscriber) error {
	if err := t.hub.store.DeleteTopic(t.hub.ctx, t.name); err != nil {
		return err
	}
	for member := range t.subs {
		t.evictUser(member, true, keep)
		if member != by {
			t.hub.presToUser(member, &proto.MsgServerPres{Topic: proto.TopicMe, Src: t.name, What: "gone"}, nil)
		}
	}
	t.subs = map[proto.Uid]*store.Subscription{}
	t.loaded = false
	return nil
}

// UserDeleted takes a deleted account out of every topic it belongs to,
// each through the topic's own actor, because the actors hold the
// memberships in memory: it leaves the groups it joined and the one-to-one
// topics (their members see it leave, as for {leave unsub}), and the groups
// it owns are deleted (their members are evicted, as for {del topic}). In a
// one-to-one topic the peer keeps their subscription and the history, and
// their "me" gets {pres what=gone src=usr<deleted>}. The messages the user
// sent stay where they are.
//
// The session layer has already deleted the account in the store, so the
// user can neither log in nor be invited while this runs. It returns when
// every topic has done its part, or when ctx ends.
func (h *Hub) UserDeleted(ctx context.Context, uid proto.Uid) error {
	rows, err := h.store.UserTopics(ctx, uid)
	if err != nil {
		return err
	}
	done := make(chan struct{}, len(rows))
	waiting := 0
	for i := range rows {
		name := rows[i].Topic.Name
		if h.route(name, &userGone{uid: uid, done: done}) {
			waiting++
		} else {
			h.log.Warn("deleted user: topic queue full, membership left behind", "user", uid.UserID(), "topic", name)
		}
	}
	for range waiting {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// userGone tells a topic that one of its members deleted their account.
type userGone struct {
	uid  proto.Uid
	done chan<- struct{}
}

func (g *userGone) apply(t *topic) {
	defer func() { g.done <- struct{}{} }()
	if err := t.load(); err != nil {
		return // deleted meanwhile: nothing left to leave
	}
	sub := t.subs[g.uid]
	if sub == nil {
		return
	}
	var err error
	switch {
	case t.kind == kindGroup && (t.desc.Owner == g.uid || sub.ModeGiven.IsSet(proto.ModeOwner)):
		err = t.destroy(g.uid, nil)
	case t.kind == kindP2P:
		err = t.dropMember(g.uid, g.uid, nil)
		if err == nil {
			t.peerGone(g.uid)
		}
	default:
		err = t.dropMember(g.uid, g.uid, nil)
	}
	if err != nil {
		t.hub.log.Warn("deleted user: leaving topic", "user", g.uid.UserID(), "topic", t.name, "err", err)
	}
}

// peerGone tells the remaining party of a one-to-one topic, on "me", that
// the peer is gone: tinode-sdk then drops the contact from its list. The
// subscription and the history stay theirs to read.
func (t *topic) peerGone(uid proto.Uid) {
	for member := range t.subs {
		if member != uid {
			t.hub.presToUser(member, &proto.MsgServerPres{Topic: proto.TopicMe, Src: uid.UserID(), What: "gone"}, nil)
		}
	}
}

package hub

import (
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// handleSub attaches a session, creating the topic or subscription first when
// the request calls for it. Replies: ctrl, then whatever the get part asks.
func (t *topic) handleSub(r *Request) {
	sub := r.Msg.Sub
	if _, ok := t.attached[r.Sess]; ok {
		r.Sess.SubDone(r.View, true)
		t.reply(r, proto.AlreadySubscribed(sub.ID, r.View, proto.Now()))
		return
	}
	var acs *proto.MsgAccessMode
	var fail *proto.ServerMsg
	switch {
	case t.kind == kindMe || t.kind == kindFnd:
		if err := t.load(); err != nil {
			fail = storeErr(r, err)
		} else if set := sub.Set; t.kind == kindFnd && set != nil && set.Desc != nil {
			fail = t.setFndQuery(r, set.Desc.Public)
		}
	case t.kind == kindP2P:
		acs, fail = t.joinP2P(r)
	case r.TmpName != "":
		acs, fail = t.createGroup(r)
	default:
		acs, fail = t.joinGroup(r)
	}
	if fail != nil {
		r.Sess.SubDone(r.View, false)
		if r.TmpName != "" {
			fail.Ctrl.Topic = r.TmpName
		}
		t.reply(r, fail)
		return
	}
	t.attach(r.Sess, r.View)
	r.Sess.SubDone(r.View, true)
	params := map[string]any{}
	if acs != nil {
		params["acs"] = acs
	}
	if r.TmpName != "" {
		params["tmpname"] = r.TmpName
	}
	if len(params) == 0 {
		params = nil
	}
	t.reply(r, proto.CtrlParams(sub.ID, r.View, proto.CodeOK, "ok", params, proto.Now()))
	t.startAt(r)
	if sub.Get != nil && sub.Get.What != "" {
		t.query(r, sub.ID, sub.Get)
	}
}

// p2pMask limits what either party of a one-to-one topic can hold.
const p2pMask = proto.ModeCP2P

// joinP2P creates the p2p topic on first use, or restores the caller's
// subscription after they left it.
func (t *topic) joinP2P(r *Request) (*proto.MsgAccessMode, *proto.ServerMsg) {
	uid := r.Sess.UserID()
	err := t.load()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, storeErr(r, err)
	}
	if err == nil && t.subs[uid] != nil {
		return t.rejoin(r, t.subs[uid])
	}
	peer := proto.P2PPeer(t.name, uid)
	ctx := t.hub.ctx
	self, err1 := t.hub.store.GetUser(ctx, uid)
	other, err2 := t.hub.store.GetUser(ctx, peer)
	if err1 != nil || err2 != nil {
		return nil, proto.UserNotFound(r.Msg.ID(), r.View, proto.Now())
	}
	// The caller gets what the peer grants callers of their auth level;
	// a peer who grants them nothing to join is not bothered with a topic.
	// (Accounts made before signup dropped O may still carry it.)
	given := accessFor(other.Access, r.Sess.AuthLevel()) &^ proto.ModeOwner
	if !given.IsSet(proto.ModeJoin) {
		return nil, proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
	}
	now := time.Now().UTC()
	mine := store.Subscription{Topic: t.name, User: uid, CreatedAt: now, UpdatedAt: now,
		ModeWant:  self.Access.Auth&p2pMask | proto.ModeApprove,
		ModeGiven: given}
	if wanted, ok := requestedMode(r); ok {
		mine.ModeWant = wanted&p2pMask | proto.ModeApprove
	}
	if !t.loaded {
		theirs := store.Subscription{Topic: t.name, User: peer, CreatedAt: now, UpdatedAt: now,
			ModeWant:  other.Access.Auth&p2pMask | proto.ModeApprove,
			ModeGiven: self.Access.Auth&p2pMask | proto.ModeApprove}
		desc := store.Topic{Name: t.name, CreatedAt: now, UpdatedAt: now, TouchedAt: now, Epoch: NewEpoch()}
		if err := t.hub.store.CreateTopic(ctx, &desc, []store.Subscription{mine, theirs}); err != nil {
			return nil, storeErr(r, err)
		}
		t.desc, t.loaded = desc, true
		t.subs[peer] = &theirs
		t.notifyAcs(peer, uid, &theirs)
	} else if err := t.hub.store.CreateSub(ctx, &mine); err != nil {
		return nil, storeErr(r, err)
	}
	t.subs[uid] = &mine
	return proto.Acs(mine.ModeWant, mine.ModeGiven), nil
}

// createGroup stores a new group with the caller as its owner.
func (t *topic) createGroup(r *Request) (*proto.MsgAccessMode, *proto.ServerMsg) {
	uid := r.Sess.UserID()
	now := time.Now().UTC()
	desc := store.Topic{Name: t.name, CreatedAt: now, UpdatedAt: now, TouchedAt: now, Owner: uid,
		Access: store.DefaultAccess{Auth: proto.ModeCPublic, Anon: proto.ModeNone}, Epoch: NewEpoch()}
	owner := store.Subscription{Topic: t.name, User: uid, CreatedAt: now, UpdatedAt: now,
		ModeWant: proto.ModeCFull, ModeGiven: proto.ModeCFull}
	if set := r.Msg.Sub.Set; set != nil {
		if set.Desc != nil {
			if fail := applyDefAcs(r, &desc.Access, set.Desc.DefaultAcs); fail != nil {
				return nil, fail
			}
			desc.Public, desc.Trusted, owner.Private = set.Desc.Public, set.Desc.Trusted, set.Desc.Private
		}
		desc.Tags = proto.NormalizeTags(set.Tags)
	}
	if err := t.hub.store.CreateTopic(t.hub.ctx, &desc, []store.Subscription{owner}); err != nil {
		return nil, storeErr(r, err)
	}
	t.desc, t.loaded = desc, true
	t.subs[uid] = &owner
	return proto.Acs(owner.ModeWant, owner.ModeGiven), nil
}

// joinGroup subscribes the caller with the group's default access, or
// attaches them to their existing subscription.
func (t *topic) joinGroup(r *Request) (*proto.MsgAccessMode, *proto.ServerMsg) {
	uid := r.Sess.UserID()
	if err := t.load(); err != nil {
		return nil, storeErr(r, err)
	}
	if sub := t.subs[uid]; sub != nil {
		return t.rejoin(r, sub)
	}
	if len(t.subs) >= t.hub.limits.MaxSubscribers {
		return nil, proto.Ctrl(r.Msg.ID(), r.View, proto.CodePolicy, "too many subscribers", proto.Now())
	}
	given := accessFor(t.desc.Access, r.Sess.AuthLevel())
	want := proto.ModeCPublic
	if m, ok := requestedMode(r); ok {
		want = m
	}
	if !(want & given).IsSet(proto.ModeJoin) {
		return nil, proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
	}
	now := time.Now().UTC()
	sub := store.Subscription{Topic: t.name, User: uid, CreatedAt: now, UpdatedAt: now,
		ModeWant: want, ModeGiven: given}
	if err := t.hub.store.CreateSub(t.hub.ctx, &sub); err != nil {
		return nil, storeErr(r, err)
	}
	t.subs[uid] = &sub
	t.deliverToAttached(&proto.ServerMsg{Pres: &proto.MsgServerPres{Topic: t.name, Src: uid.UserID(),
		What: "acs", Acs: dacs(want, given)}}, nil)
	return proto.Acs(want, given), nil
}

// accessFor is the default access a user or topic grants to callers of
// auth level level: anonymous callers get the anon default, authenticated
// ones the auth default, and a session not logged in nothing.
func accessFor(a store.DefaultAccess, level int) proto.AccessMode {
	switch {
	case level >= store.AuthAuth:
		return a.Auth
	case level >= store.AuthAnon:
		return a.Anon
	}
	return proto.ModeNone
}

// notifyAcs tells uid on "me" that actor changed uid's access to this topic;
// the client then fetches the subscription. There is no tgt: the recipient
// is the target, and Tinode's captured frames leave it out.
func (t *topic) notifyAcs(uid, actor proto.Uid, sub *store.Subscription) {
	t.hub.presToUser(uid, &proto.MsgServerPres{Topic: proto.TopicMe, Src: t.viewFor(uid),
		What: "acs", AcsActor: actor.UserID(), Acs: dacs(sub.ModeWant, sub.ModeGiven)}, nil)
}

// dacs is the access delta of a {pres acs}: want and given, no mode.
func dacs(want, given proto.AccessMode) *proto.MsgAccessMode {
	return &proto.MsgAccessMode{Want: want.String(), Given: given.String()}
}

// requestedMode is the mode the client asked for in sub.set.sub.mode.
func requestedMode(r *Request) (proto.AccessMode, bool) {
	set := r.Msg.Sub.Set
	if set == nil || set.Sub == nil || set.Sub.Mode == "" {
		return 0, false
	}
	m, err := proto.ParseMode(set.Sub.Mode)
	return m, err == nil
}

// applyDefAcs parses default access modes from a set or sub request.
func applyDefAcs(r *Request, into *store.DefaultAccess, req *proto.MsgDefaultAcsMode) *proto.ServerMsg {
	if req == nil {
		return nil
	}
	for _, f := range []struct {
		s   string
		dst *proto.AccessMode
	}{{req.Auth, &into.Auth}, {req.Anon, &into.Anon}} {
		if f.s == "" {
			continue
		}
		m, err := proto.ApplyMode(*f.dst, f.s)
		if err != nil {
			return proto.Malformed(r.Msg.ID(), r.View, proto.Now())
		}
		*f.dst = m &^ proto.ModeOwner
	}
	return nil
}

package hub

import (
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// handleLeave detaches the session; with unsub it also deletes the caller's
// subscription and evicts the caller's other sessions.
func (t *topic) handleLeave(r *Request) {
	l := r.Msg.Leave
	now := proto.Now()
	if _, ok := t.attached[r.Sess]; !ok {
		if l.Unsub {
			t.reply(r, proto.AttachFirst(l.ID, r.View, now))
		} else {
			t.reply(r, proto.NotJoined(l.ID, r.View, now))
		}
		return
	}
	if !l.Unsub {
		t.detachSession(r.Sess)
		t.reply(r, proto.OK(l.ID, r.View, now))
		return
	}
	uid := r.Sess.UserID()
	if t.kind == kindMe || t.kind == kindFnd || (t.kind == kindGroup && t.desc.Owner == uid) {
		t.reply(r, proto.Forbidden(l.ID, r.View, now))
		return
	}
	if fail := t.removeMember(r, uid); fail != nil {
		t.reply(r, fail)
		return
	}
	t.detachSession(r.Sess)
	t.reply(r, proto.OK(l.ID, r.View, now))
}

// removeMember deletes uid's subscription on behalf of r's session. A
// restricted member leaving on their own keeps the record (withdraw), so a
// ban or block survives leaving and subscribing again.
func (t *topic) removeMember(r *Request, uid proto.Uid) *proto.ServerMsg {
	if uid == r.Sess.UserID() && t.restricted(uid, r.Sess.AuthLevel()) {
		return t.withdraw(r, uid)
	}
	if err := t.dropMember(uid, r.Sess.UserID(), r.Sess); err != nil {
		return storeErr(r, err)
	}
	return nil
}

// dropMember deletes uid's subscription, removed by actor (uid itself when
// leaving), evicts uid's sessions except keep, and tells the others. For
// p2p, the topic goes with its last member.
func (t *topic) dropMember(uid, actorUid proto.Uid, keep Subscriber) error {
	if err := t.hub.store.DeleteSub(t.hub.ctx, t.name, uid); err != nil {
		return err
	}
	delete(t.subs, uid)
	t.devices.forget(uid)
	t.marks.forgetUser(uid)
	t.announceLeave(uid, actorUid, keep)
	if t.kind == kindP2P && len(t.subs) == 0 {
		if err := t.hub.store.DeleteTopic(t.hub.ctx, t.name); err != nil {
			t.hub.log.Warn("deleting empty p2p topic", "topic", t.name, "err", err)
		}
		t.loaded = false
	}
	return nil
}

// announceLeave evicts uid's sessions but keep, tells the others attached
// that uid's subscription is gone, and uid's "me" when someone else
// removed it.
func (t *topic) announceLeave(uid, actorUid proto.Uid, keep Subscriber) {
	t.evictUser(uid, true, keep)
	none := dacs(proto.ModeNone, proto.ModeNone)
	// Someone leaving on their own is src alone; a removal by another member
	// names who did it to whom.
	var actor, target string
	if actorUid != uid {
		actor, target = actorUid.UserID(), uid.UserID()
	}
	for s, view := range t.attached {
		if s.UserID() != uid {
			t.send(s, &proto.ServerMsg{Pres: &proto.MsgServerPres{Topic: view, Src: t.viewOf(uid, s.UserID()),
				What: "acs", AcsActor: actor, AcsTarget: target, Acs: none}})
		}
	}
	if uid != actorUid {
		t.hub.presToUser(uid, &proto.MsgServerPres{Topic: proto.TopicMe, Src: t.viewFor(uid), What: "gone"}, nil)
	}
}

// viewOf names user uid as seen by viewer: in p2p the peer is the topic.
func (t *topic) viewOf(uid, viewer proto.Uid) string {
	if t.kind == kindP2P {
		return t.viewFor(viewer)
	}
	return uid.UserID()
}

// handleSet changes the description, a subscription or the tags.
func (t *topic) handleSet(r *Request) {
	s := r.Msg.Set
	// fnd's query may be set without attaching: Tinode clients search
	// from a fnd topic they never subscribed to.
	if _, ok := t.attached[r.Sess]; !ok && t.kind != kindFnd {
		t.reply(r, proto.AttachFirst(s.ID, r.View, proto.Now()))
		return
	}
	var fail *proto.ServerMsg
	if s.Desc != nil {
		fail = t.setDesc(r, s.Desc)
	}
	if fail == nil && s.Sub != nil {
		fail = t.setSub(r, s.Sub)
	}
	if fail == nil && s.Tags != nil {
		fail = t.setTags(r, s.Tags)
	}
	if fail != nil {
		t.reply(r, fail)
		return
	}
	t.reply(r, proto.OK(s.ID, r.View, proto.Now()))
}

func (t *topic) setDesc(r *Request, d *proto.MsgSetDesc) *proto.ServerMsg {
	uid, ctx, now := r.Sess.UserID(), t.hub.ctx, time.Now().UTC()
	if t.kind == kindMe {
		acc := t.user.Access
		if fail := applyDefAcs(r, &acc, d.DefaultAcs); fail != nil {
			return fail
		}
		upd := store.UserUpdate{UpdatedAt: now, Access: &acc, Public: d.Public}
		if err := t.hub.store.UpdateUser(ctx, uid, upd); err != nil {
			return storeErr(r, err)
		}
		t.user.Access, t.user.UpdatedAt = acc, now
		if d.Public != nil {
			t.user.Public = d.Public
		}
		return nil
	}
	if t.kind == kindFnd {
		return t.setFndQuery(r, d.Public)
	}
	if d.Public != nil || d.Trusted != nil || d.DefaultAcs != nil {
		if t.kind != kindGroup || !t.mode(uid).IsSet(proto.ModeOwner) {
			return proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
		}
		acc := t.desc.Access
		if fail := applyDefAcs(r, &acc, d.DefaultAcs); fail != nil {
			return fail
		}
		if err := t.hub.store.UpdateTopic(ctx, t.name, store.TopicUpdate{UpdatedAt: now, Access: &acc,
			Public: d.Public}); err != nil {
			return storeErr(r, err)
		}
		t.desc.Access, t.desc.UpdatedAt = acc, now
		if d.Public != nil {
			t.desc.Public = d.Public
		}
	}
	if d.Private != nil {
		if err := t.hub.store.UpdateSub(ctx, t.name, uid, store.SubUpdate{UpdatedAt: now, Private: d.Private}); err != nil {
			return storeErr(r, err)
		}
		t.subs[uid].Private = d.Private
	}
	return nil
}

// setTags replaces the user's tags on "me" or a group's (owner only). Tags
// are normalised (proto.NormalizeTags) before they are stored and indexed.
func (t *topic) setTags(r *Request, tags []string) *proto.ServerMsg {
	tags = proto.NormalizeTags(tags)
	if t.kind == kindMe {
		return t.setUserTags(r, tags)
	}
	if t.kind != kindGroup || !t.mode(r.Sess.UserID()).IsSet(proto.ModeOwner) {
		return proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
	}
	if err := t.hub.store.UpdateTopic(t.hub.ctx, t.name, store.TopicUpdate{UpdatedAt: time.Now().UTC(), Tags: tags}); err != nil {
		return storeErr(r, err)
	}
	t.desc.Tags = tags
	return nil
}

// handleAcc applies the user-record part of an {acc} update (desc.public,
// desc.defacs, tags) on the user's "me" topic. It runs in that topic's
// actor because the actor keeps a copy of the user, which must not go
// stale. The session has done the login part already and sends the request
// here with the internal "me" name and no view, so the answer carries no
// topic, as acc answers do not.
func (t *topic) handleAcc(r *Request) {
	acc := r.Msg.Acc
	if t.kind != kindMe || proto.MeName(r.Sess.UserID()) != t.name {
		t.reply(r, proto.Forbidden(acc.ID, "", proto.Now()))
		return
	}
	if err := t.load(); err != nil {
		t.reply(r, storeErr(r, err))
		return
	}
	upd := store.UserUpdate{UpdatedAt: time.Now().UTC(), Tags: proto.NormalizeTags(acc.Tags)}
	access := t.user.Access
	if d := acc.Desc; d != nil {
		if fail := applyDefAcs(r, &access, d.DefaultAcs); fail != nil {
			t.reply(r, fail)
			return
		}
		upd.Access, upd.Public = &access, d.Public
	}
	if err := t.hub.store.UpdateUser(t.hub.ctx, r.Sess.UserID(), upd); err != nil {
		t.reply(r, storeErr(r, err))
		return
	}
	t.applyUserUpdate(upd)
	t.reply(r, proto.CtrlParams(acc.ID, "", proto.CodeOK, "ok", r.Params, proto.Now()))
}

// setUserTags replaces the tags of the "me" topic's user.
func (t *topic) setUserTags(r *Request, tags []string) *proto.ServerMsg {
	upd := store.UserUpdate{UpdatedAt: time.Now().UTC(), Tags: tags}
	if err := t.hub.store.UpdateUser(t.hub.ctx, r.Sess.UserID(), upd); err != nil {
		return storeErr(r, err)
	}
	t.applyUserUpdate(upd)
	return nil
}

// applyUserUpdate mirrors a stored user update in the actor's copy.
func (t *topic) applyUserUpdate(upd store.UserUpdate) {
	t.user.UpdatedAt = upd.UpdatedAt
	if upd.Access != nil {
		t.user.Access = *upd.Access
	}
	if upd.Public != nil {
		t.user.Public = upd.Public
	}
	if upd.Tags != nil {
		t.user.Tags = upd.Tags
	}
}

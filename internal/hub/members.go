package hub

import (
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// setSub changes an access mode: the caller's own "want", or the "given" of
// another member, inviting them to a group when they are not a member yet.
func (t *topic) setSub(r *Request, ss *proto.MsgSetSub) *proto.ServerMsg {
	uid := r.Sess.UserID()
	id, now := r.Msg.ID(), proto.Now()
	if t.kind == kindMe || t.kind == kindFnd {
		return proto.Malformed(id, r.View, now)
	}
	target := uid
	if ss.User != "" {
		if target = proto.ParseUserID(ss.User); target == proto.ZeroUid {
			return proto.Malformed(id, r.View, now)
		}
	}
	if target == uid {
		return t.setOwnWant(r, ss.Mode)
	}
	if t.subs[target] != nil {
		return t.setGiven(r, target, ss.Mode)
	}
	if t.kind != kindGroup {
		return proto.Forbidden(id, r.View, now)
	}
	return t.invite(r, target, ss.Mode)
}

func (t *topic) setOwnWant(r *Request, mode string) *proto.ServerMsg {
	uid := r.Sess.UserID()
	sub := t.subs[uid]
	want, err := proto.ApplyMode(sub.ModeWant, mode)
	if err != nil {
		return proto.Malformed(r.Msg.ID(), r.View, proto.Now())
	}
	if sub.ModeGiven.IsSet(proto.ModeOwner) && !want.IsSet(proto.ModeOwner) {
		return proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
	}
	if err := t.hub.store.UpdateSub(t.hub.ctx, t.name, uid, store.SubUpdate{UpdatedAt: time.Now().UTC(), ModeWant: &want}); err != nil {
		return storeErr(r, err)
	}
	sub.ModeWant = want
	return nil
}

// setGiven changes what another member is given; it needs A, and nobody but
// the owner holds O.
func (t *topic) setGiven(r *Request, target proto.Uid, mode string) *proto.ServerMsg {
	id, now := r.Msg.ID(), proto.Now()
	sub := t.subs[target]
	if !t.mode(r.Sess.UserID()).IsSet(proto.ModeApprove) || sub.ModeGiven.IsSet(proto.ModeOwner) {
		return proto.Forbidden(id, r.View, now)
	}
	given, err := proto.ApplyMode(sub.ModeGiven, mode)
	if err != nil {
		return proto.Malformed(id, r.View, now)
	}
	given &^= proto.ModeOwner
	if t.kind == kindP2P {
		given &= p2pMask
	}
	if err := t.hub.store.UpdateSub(t.hub.ctx, t.name, target, store.SubUpdate{UpdatedAt: time.Now().UTC(), ModeGiven: &given}); err != nil {
		return storeErr(r, err)
	}
	sub.ModeGiven = given
	t.notifyAcs(target, r.Sess.UserID(), sub)
	return nil
}

// invite adds a user to a group with nothing wanted yet: the invitee accepts
// by subscribing. It needs S or A.
func (t *topic) invite(r *Request, target proto.Uid, mode string) *proto.ServerMsg {
	id, now := r.Msg.ID(), proto.Now()
	if t.mode(r.Sess.UserID())&(proto.ModeShare|proto.ModeApprove) == 0 {
		return proto.Forbidden(id, r.View, now)
	}
	if len(t.subs) >= t.hub.limits.MaxSubscribers {
		return proto.Ctrl(id, r.View, proto.CodePolicy, "too many subscribers", now)
	}
	if _, err := t.hub.store.GetUser(t.hub.ctx, target); err != nil {
		return proto.UserNotFound(id, r.View, now)
	}
	given := t.desc.Access.Auth
	if mode != "" {
		m, err := proto.ApplyMode(given, mode)
		if err != nil {
			return proto.Malformed(id, r.View, now)
		}
		given = m
	}
	ts := time.Now().UTC()
	sub := store.Subscription{Topic: t.name, User: target, CreatedAt: ts, UpdatedAt: ts,
		ModeWant: proto.ModeNone, ModeGiven: given &^ proto.ModeOwner}
	if err := t.hub.store.CreateSub(t.hub.ctx, &sub); err != nil {
		return storeErr(r, err)
	}
	t.subs[target] = &sub
	t.notifyAcs(target, r.Sess.UserID(), &sub)
	return nil
}

// acceptInvite sets the want of an invited member who now subscribes.
func (t *topic) acceptInvite(r *Request, sub *store.Subscription) *proto.ServerMsg {
	want := proto.ModeCPublic
	if m, ok := requestedMode(r); ok {
		want = m
	}
	if err := t.hub.store.UpdateSub(t.hub.ctx, t.name, sub.User, store.SubUpdate{UpdatedAt: time.Now().UTC(), ModeWant: &want}); err != nil {
		return storeErr(r, err)
	}
	sub.ModeWant = want
	return nil
}

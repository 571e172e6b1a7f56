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

// setGiven changes what another member is given. It needs A or O, never
// touches the owner, and adds only what mayGrant allows. A member whose
// given access loses J is banned (blocked, in a p2p topic): their sessions
// are evicted at once.
func (t *topic) setGiven(r *Request, target proto.Uid, mode string) *proto.ServerMsg {
	id, now := r.Msg.ID(), proto.Now()
	host := t.mode(r.Sess.UserID())
	sub := t.subs[target]
	if !manages(host) || sub.ModeGiven.IsSet(proto.ModeOwner) {
		return proto.Forbidden(id, r.View, now)
	}
	given, err := proto.ApplyMode(sub.ModeGiven, mode)
	if err != nil {
		return proto.Malformed(id, r.View, now)
	}
	if t.kind == kindP2P {
		given &= p2pMask
	}
	if !mayGrant(host, sub.ModeGiven, given) {
		return proto.Forbidden(id, r.View, now)
	}
	if given == sub.ModeGiven {
		return nil
	}
	if err := t.hub.store.UpdateSub(t.hub.ctx, t.name, target, store.SubUpdate{UpdatedAt: time.Now().UTC(), ModeGiven: &given}); err != nil {
		return storeErr(r, err)
	}
	sub.ModeGiven = given
	t.notifyAcs(target, r.Sess.UserID(), sub)
	if !given.IsSet(proto.ModeJoin) {
		t.evictUser(target, false, nil)
	}
	return nil
}

// invite adds a user to a group. It needs S or A. The invitee is given the
// group's default (with J, or the invitation would be void), bounded by
// what the inviter holds, or what an inviter with A or O names, within
// mayGrant; and wants what their own default allows of that, so they are
// in at once (Tinode does the same). An invitee whose default wants no J
// refuses invitations: 403.
func (t *topic) invite(r *Request, target proto.Uid, mode string) *proto.ServerMsg {
	id, now := r.Msg.ID(), proto.Now()
	host := t.mode(r.Sess.UserID())
	if host&(proto.ModeShare|proto.ModeApprove) == 0 {
		return proto.Forbidden(id, r.View, now)
	}
	if len(t.subs) >= t.hub.limits.MaxSubscribers {
		return proto.Ctrl(id, r.View, proto.CodePolicy, "too many subscribers", now)
	}
	invitee, err := t.hub.store.GetUser(t.hub.ctx, target)
	if err != nil {
		return proto.UserNotFound(id, r.View, now)
	}
	given := t.desc.Access.Auth | proto.ModeJoin
	if !host.IsSet(proto.ModeOwner) {
		given &= host
	}
	if mode != "" {
		m, err := proto.ApplyMode(given, mode)
		switch {
		case err != nil:
			return proto.Malformed(id, r.View, now)
		case !manages(host) || !mayGrant(host, proto.ModeNone, m):
			return proto.Forbidden(id, r.View, now)
		}
		given = m
	}
	want := invitee.Access.Auth & given
	if !want.IsSet(proto.ModeJoin) {
		return proto.Forbidden(id, r.View, now)
	}
	ts := time.Now().UTC()
	sub := store.Subscription{Topic: t.name, User: target, CreatedAt: ts, UpdatedAt: ts,
		ModeWant: want, ModeGiven: given}
	if err := t.hub.store.CreateSub(t.hub.ctx, &sub); err != nil {
		return storeErr(r, err)
	}
	t.subs[target] = &sub
	t.notifyAcs(target, r.Sess.UserID(), &sub)
	return nil
}

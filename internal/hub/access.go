package hub

import (
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The rules of who may give what, in one place (docs/security.md, "What a
// member may give"):
//
//   - changing another member's given access needs A or O; inviting needs S
//     or A, and only A or O may name the invitee's access (a sharer invites
//     with the topic's default);
//   - nobody but the owner adds a bit they do not hold themselves, so a
//     member cannot hand a sock puppet more than they have and get it back;
//   - O is never given: ownership does not move;
//   - a ban or block (a given access without J) evicts the member's
//     sessions, and a member held below what subscribing afresh would give
//     keeps that record when leaving, so leaving and subscribing again does
//     not reset it.

// mayGrant reports whether host (the acting member's mode) may raise
// another member's given access from old to next.
func mayGrant(host, old, next proto.AccessMode) bool {
	added := next &^ old
	if added&proto.ModeOwner != 0 {
		return false
	}
	if host.IsSet(proto.ModeOwner) {
		return true
	}
	return added&^host == proto.ModeNone
}

// manages reports whether mode may change other members' access.
func manages(mode proto.AccessMode) bool {
	return mode&(proto.ModeApprove|proto.ModeOwner) != 0
}

// freshGiven is what uid would be given by subscribing afresh at auth
// level level: the group's default, or the peer's default in a p2p topic.
func (t *topic) freshGiven(uid proto.Uid, level int) (proto.AccessMode, error) {
	if t.kind != kindP2P {
		return accessFor(t.desc.Access, level), nil
	}
	peer, err := t.hub.store.GetUser(t.hub.ctx, proto.P2PPeer(t.name, uid))
	if err != nil {
		return proto.ModeNone, err
	}
	return accessFor(peer.Access, level), nil
}

// restricted reports whether uid's subscription is held below what
// subscribing afresh would give: a ban, a block, a muting.
func (t *topic) restricted(uid proto.Uid, level int) bool {
	sub := t.subs[uid]
	if sub == nil {
		return false
	}
	fresh, err := t.freshGiven(uid, level)
	if err != nil {
		// The peer is gone; nothing is left to evade.
		return false
	}
	if t.kind == kindP2P {
		// What a peer gives is kept within the p2p mask once changed.
		fresh &= p2pMask
	}
	return fresh&^sub.ModeGiven != proto.ModeNone
}

// withdraw is a restricted member leaving on their own: the subscription
// stays, wanting nothing, so the restriction is still there when they
// subscribe again. To everyone else it looks like any leave.
func (t *topic) withdraw(r *Request, uid proto.Uid) *proto.ServerMsg {
	none := proto.ModeNone
	if err := t.hub.store.UpdateSub(t.hub.ctx, t.name, uid,
		store.SubUpdate{UpdatedAt: time.Now().UTC(), ModeWant: &none}); err != nil {
		return storeErr(r, err)
	}
	t.subs[uid].ModeWant = none
	t.announceLeave(uid, uid, r.Sess)
	return nil
}

// rejoin attaches the caller to the subscription they already have. A
// member not given J (banned, blocked) is refused with 403. One who wants
// no J (they left while restricted, or blocked the topic themselves)
// wants again what they ask for, or the default: subscribing is asking to
// be in, and the given access still bounds the mode.
func (t *topic) rejoin(r *Request, sub *store.Subscription) (*proto.MsgAccessMode, *proto.ServerMsg) {
	if !sub.ModeGiven.IsSet(proto.ModeJoin) {
		return nil, proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
	}
	if sub.ModeWant.IsSet(proto.ModeJoin) {
		return nil, nil
	}
	want := proto.ModeCPublic
	if t.kind == kindP2P {
		self, err := t.hub.store.GetUser(t.hub.ctx, sub.User)
		if err != nil {
			return nil, storeErr(r, err)
		}
		want = self.Access.Auth&p2pMask | proto.ModeApprove
	}
	if m, ok := requestedMode(r); ok {
		want = m
		if t.kind == kindP2P {
			want = m&p2pMask | proto.ModeApprove
		}
	}
	if !(want & sub.ModeGiven).IsSet(proto.ModeJoin) {
		return nil, proto.Forbidden(r.Msg.ID(), r.View, proto.Now())
	}
	if err := t.hub.store.UpdateSub(t.hub.ctx, t.name, sub.User,
		store.SubUpdate{UpdatedAt: time.Now().UTC(), ModeWant: &want}); err != nil {
		return nil, storeErr(r, err)
	}
	sub.ModeWant = want
	return proto.Acs(sub.ModeWant, sub.ModeGiven), nil
}

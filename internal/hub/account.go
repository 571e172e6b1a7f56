package hub

import (
	"context"

	"github.com/parley-im/parley/internal/proto"
)

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

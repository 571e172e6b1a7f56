package hub

import (
	"github.com/parley-im/parley/internal/proto"
)

// Roster, in a cluster, shares which users are online on which node, so
// online status and its on/off announcements are the cluster's.
type Roster interface {
	// OnlineElsewhere reports whether uid has a logged-in session on
	// another node.
	OnlineElsewhere(uid proto.Uid) bool
	// LocalOnline tells the other nodes that uid's first session here
	// started (on) or its last ended.
	LocalOnline(uid proto.Uid, on bool)
}

// SetRoster makes online status cluster-wide. Call it before the hub is
// used.
func (h *Hub) SetRoster(r Roster) { h.roster = r }

// SessionStarted records a logged-in session of uid and, when it is the
// user's first (in the cluster), tells their p2p contacts that they are
// online.
func (h *Hub) SessionStarted(uid proto.Uid) {
	if h.UserOnline(uid, 1) && h.firstOrLast(uid, true) {
		go h.announce(uid)
	}
}

// SessionEnded is SessionStarted's counterpart: the last session's end
// tells contacts that the user went offline.
func (h *Hub) SessionEnded(uid proto.Uid) {
	if h.UserOnline(uid, -1) && h.firstOrLast(uid, false) {
		go h.announce(uid)
	}
}

// firstOrLast, after uid's online state on this node changed to on, tells
// the other nodes of a cluster and reports whether the user's state in the
// whole cluster changed: a user still online on another node is not
// announced.
func (h *Hub) firstOrLast(uid proto.Uid, on bool) bool {
	if h.roster == nil {
		return true
	}
	h.roster.LocalOnline(uid, on)
	return !h.roster.OnlineElsewhere(uid)
}

// RemoteOffline is told by the cluster that uid has no session left on
// some node; when none is left anywhere, contacts hear {pres off}. (Two
// nodes ending a user's last sessions at once may both announce it: a
// repeated off is harmless, a missing one is not.)
func (h *Hub) RemoteOffline(uid proto.Uid) {
	if !h.IsOnline(uid) {
		go h.announce(uid)
	}
}

// LocalOnlineUsers lists the users with a logged-in session on this node.
func (h *Hub) LocalOnlineUsers() []proto.Uid {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]proto.Uid, 0, len(h.online))
	for uid := range h.online {
		out = append(out, uid)
	}
	return out
}

// announce sends {pres on|off} for uid to the "me" of every p2p contact. It
// reads the state when it runs, so a quick on-off pair ends on the truth.
func (h *Hub) announce(uid proto.Uid) {
	rows, err := h.store.UserTopics(h.ctx, uid)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Warn("presence: listing topics", "user", uid, "err", err)
		}
		return
	}
	what := "off"
	if h.IsOnline(uid) {
		what = "on"
	}
	for i := range rows {
		if kindOf(rows[i].Topic.Name) != kindP2P {
			continue
		}
		peer := proto.P2PPeer(rows[i].Topic.Name, uid)
		h.presToUser(peer, &proto.MsgServerPres{Topic: proto.TopicMe, Src: uid.UserID(), What: what}, nil)
	}
}

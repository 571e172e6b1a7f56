package hub

import (
	"github.com/parley-im/parley/internal/proto"
)

// SessionStarted records a logged-in session of uid and, when it is the
// user's first, tells their p2p contacts that they are online.
func (h *Hub) SessionStarted(uid proto.Uid) {
	if h.UserOnline(uid, 1) {
		go h.announce(uid)
	}
}

// SessionEnded is SessionStarted's counterpart: the last session's end
// tells contacts that the user went offline.
func (h *Hub) SessionEnded(uid proto.Uid) {
	if h.UserOnline(uid, -1) {
		go h.announce(uid)
	}
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

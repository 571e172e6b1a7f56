package hub

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// A topic's epoch tells clients whether the positions they hold (seqs,
// marks, cached messages) belong to the history the server has now. It is
// set when the topic is created and changes when that history is known to
// be lost: by the operator after restoring a backup (RenewEpochs, `parley
// serve --new-epochs`), or here, when a client reports a position the topic
// never reached. The server cannot have sent seq N before storing it, so a
// client that has N while the topic's latest seq is below N saw a history
// that was rolled back; new messages would reuse those seqs, and a client
// deduplicating by seq would drop them.

// minEpochInterval spaces out epoch changes caused by client reports: one
// change already tells every client to drop its positions, and any member
// could otherwise make every other member refetch on each bogus note.
const minEpochInterval = time.Minute

// NewEpoch returns a random, positive topic epoch.
func NewEpoch() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) >> 12)
}

// beyondHistory handles uid reporting that it has seq, past the topic's
// latest. Each reported position changes the epoch at most once (claimed
// remembers the highest), and reports from users who cannot read the topic
// count for nothing.
func (t *topic) beyondHistory(uid proto.Uid, seq int, how string) {
	if (t.kind != kindP2P && t.kind != kindGroup) || !t.loaded || !t.mode(uid).IsSet(proto.ModeRead) {
		return
	}
	if seq <= max(t.desc.SeqID, t.claimed) {
		return
	}
	t.claimed = seq
	if !t.epochAt.IsZero() && time.Since(t.epochAt) < minEpochInterval {
		return
	}
	t.hub.log.Warn("client reports a position the topic never reached: history was rolled back",
		"topic", t.name, "user", uid.UserID(), "reported", seq, "latest", t.desc.SeqID, "by", how)
	t.renewEpoch()
}

// renewEpoch stores a new epoch and tells the members: attached sessions
// get {pres what=upd epoch} on the topic, sessions on "me" get it with the
// topic as src, and every later desc carries it.
func (t *topic) renewEpoch() {
	epoch := NewEpoch()
	for epoch == t.desc.Epoch {
		epoch = NewEpoch()
	}
	if err := t.hub.store.UpdateTopic(t.hub.ctx, t.name, store.TopicUpdate{Epoch: &epoch}); err != nil {
		t.hub.log.Error("saving new epoch failed", "topic", t.name, "err", err)
		return
	}
	t.desc.Epoch, t.epochAt = epoch, time.Now()
	for s, view := range t.attached {
		if t.mode(s.UserID()).IsSet(proto.ModeRead) {
			t.send(s, &proto.ServerMsg{Pres: &proto.MsgServerPres{Topic: view, What: "upd", Epoch: epoch}})
		}
	}
	for member, sub := range t.subs {
		if sub.Mode().IsSet(proto.ModeRead) {
			t.hub.presToUser(member, &proto.MsgServerPres{Topic: proto.TopicMe, Src: t.viewFor(member),
				What: "upd", Epoch: epoch}, nil)
		}
	}
}

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

// claimLife is how long the position that last changed the epoch keeps
// reports at or below it from changing it again. Clients that ignore
// epochs (tinode-sdk) go on reporting their old positions for a while after
// a rollback; the mark keeps them from renewing the epoch over and over.
// It expires so that no report, however large, keeps later, real evidence
// of lost history from being acted on for longer than this.
const claimLife = 10 * time.Minute

// maxReportedSeq is the largest position a report may name: 2^53−1, the
// largest integer a JavaScript client (every Tinode client) holds exactly.
// A topic cannot have had more messages; a larger report is made up and is
// ignored without a trace.
const maxReportedSeq = 1<<53 - 1

// NewEpoch returns a random, positive topic epoch.
func NewEpoch() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) >> 12)
}

// beyondHistory handles uid reporting that it has seq, past the topic's
// latest. Only a report that changes the epoch becomes the mark (claimed)
// that later reports must pass, and the mark lasts claimLife: a report
// swallowed by the minimum interval, or an absurd one, cannot keep real
// reports from renewing the epoch. Reports from users who cannot read the
// topic count for nothing.
func (t *topic) beyondHistory(uid proto.Uid, seq int, how string) {
	if (t.kind != kindP2P && t.kind != kindGroup) || !t.loaded || !t.mode(uid).IsSet(proto.ModeRead) {
		return
	}
	if seq > maxReportedSeq {
		return
	}
	now := t.hub.now()
	if now.Sub(t.epochAt) >= claimLife {
		t.claimed = 0
	}
	if seq <= max(t.desc.SeqID, t.claimed) {
		return
	}
	if !t.epochAt.IsZero() && now.Sub(t.epochAt) < minEpochInterval {
		return
	}
	t.hub.log.Warn("client reports a position the topic never reached: history was rolled back",
		"topic", t.name, "user", uid.UserID(), "reported", seq, "latest", t.desc.SeqID, "by", how)
	if t.renewEpoch() {
		t.claimed = seq
	}
}

// renewEpoch stores a new epoch and tells the members: attached sessions
// get {pres what=upd epoch} on the topic, sessions on "me" get it with the
// topic as src, and every later desc carries it.
func (t *topic) renewEpoch() bool {
	epoch := NewEpoch()
	for epoch == t.desc.Epoch {
		epoch = NewEpoch()
	}
	if err := t.hub.store.UpdateTopic(t.hub.ctx, t.name, store.TopicUpdate{Epoch: &epoch}); err != nil {
		t.hub.log.Error("saving new epoch failed", "topic", t.name, "err", err)
		return false
	}
	t.desc.Epoch, t.epochAt = epoch, t.hub.now()
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
	return true
}

package hub

import (
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The range rule: a session never sees a seq without everything before it.
// The topic remembers the last seq it pushed to each attached session; before
// pushing seq N to a session that last got less than N-1, it pushes the
// missing ones in order from the recent log. When the hole reaches further
// back than the log, the session first gets {pres what=gap seq=low}: the
// client must page history from low up to the first seq it is then sent.

// startAt sets where a newly attached session stands and catches it up. A
// client that asked for data with the sub gets that page from the store and
// stands at the latest seq; otherwise it stands at its device's delivered
// mark (or its user's, see startFrom) and is pushed everything after it.
func (t *topic) startAt(r *Request) {
	if t.kind != kindP2P && t.kind != kindGroup {
		return
	}
	uid := r.Sess.UserID()
	if !t.mode(uid).IsSet(proto.ModeRead) {
		t.pushed[r.Sess] = t.desc.SeqID
		return
	}
	t.ensureRecent()
	from := t.startFrom(r.Sess, uid)
	if get := r.Msg.Sub.Get; get != nil && get.Data != nil && parseWhat(get.What)["data"] {
		from = t.desc.SeqID
	}
	t.pushed[r.Sess] = from
	t.catchUp(r.Sess, r.View, t.desc.SeqID)
}

// catchUp pushes to s everything after what it was last pushed, up to seq
// to, in order.
func (t *topic) catchUp(s Subscriber, view string, to int) {
	last := t.pushed[s]
	if last >= to {
		return
	}
	low := last + 1
	if oldest := t.recent.oldest(to + 1); low < oldest {
		t.send(s, &proto.ServerMsg{Pres: &proto.MsgServerPres{Topic: view, What: "gap", SeqID: low}})
		low = oldest
	}
	for seq := low; seq <= to; seq++ {
		if m := t.recent.get(seq); m != nil {
			t.pushData(s, view, m, t.hub.encode(dataMsg(m, view)))
		}
	}
	t.pushed[s] = to
}

// pushData sends one {data} frame and records it as pushed.
func (t *topic) pushData(s Subscriber, view string, m *store.Message, frame []byte) {
	if t.hub.hidden(t.isService(), m, s.UserID()) {
		t.pushed[s] = m.SeqID // a private note: nothing owed to this reader
		return
	}
	t.emit(s, Frame{Bytes: frame, Topic: view, Seq: m.SeqID, Name: t.name, MsgID: m.MsgID, Stored: t.fan.stored})
	t.pushed[s] = m.SeqID
}

// ensureRecent fills the recent log from the store when the first session
// with R attaches; until then no session can have been pushed anything.
// Should the read fail, the log fills from the messages published next, and
// sessions behind it are sent a gap notice and page history themselves.
func (t *topic) ensureRecent() {
	if t.recentLoaded {
		return
	}
	t.recentLoaded = true
	msgs, err := t.hub.store.GetMessages(t.hub.ctx, t.name, proto.ZeroUid, store.MessageQuery{Limit: recentSize})
	if err != nil {
		t.hub.log.Warn("loading recent messages failed", "topic", t.name, "err", err)
		return
	}
	// Messages published by writers without R before now are among msgs.
	t.recent = recentLog{}
	t.recent.load(msgs)
}

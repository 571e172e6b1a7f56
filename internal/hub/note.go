package hub

import (
	"context"
	"sync"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// handleNote handles fire-and-forget notes: typing, delivered, read. Invalid
// notes are dropped silently, as clients expect no answer.
func (t *topic) handleNote(r *Request) {
	n := r.Msg.Note
	if t.kind == kindMe || t.kind == kindFnd || !t.loaded {
		return
	}
	uid := r.Sess.UserID()
	switch n.What {
	case "kp", "kpa", "kpv":
		if _, ok := t.attached[r.Sess]; ok && n.SeqID == 0 && t.mode(uid).IsSet(proto.ModeWrite) {
			t.forwardInfo(r.Sess, n.What, 0)
		}
	case "recv", "read":
		if n.SeqID > t.desc.SeqID {
			t.beyondHistory(uid, n.SeqID, "note "+n.What)
			return
		}
		// A device's own mark moves even when its user's does not: another
		// device of the user may have acknowledged more already.
		t.raiseDeviceMark(r.Sess, n.SeqID)
		if t.raiseMark(uid, n.What, n.SeqID) {
			t.forwardInfo(r.Sess, n.What, n.SeqID)
			t.hub.presToUser(uid, &proto.MsgServerPres{Topic: proto.TopicMe, Src: t.viewFor(uid),
				What: n.What, SeqID: n.SeqID}, map[string]bool{r.Sess.SessionID(): true})
		}
	}
}

// raiseMark moves uid's recv or read mark up to seq. It reports false for
// stale values, values beyond the last message, and users without R.
func (t *topic) raiseMark(uid proto.Uid, what string, seq int) bool {
	sub := t.subs[uid]
	if sub == nil || seq <= 0 || seq > t.desc.SeqID || !sub.Mode().IsSet(proto.ModeRead) {
		return false
	}
	if what == "read" {
		if seq <= sub.ReadSeqID {
			return false
		}
		sub.ReadSeqID = seq
		sub.RecvSeqID = max(sub.RecvSeqID, seq)
	} else {
		if seq <= sub.RecvSeqID {
			return false
		}
		sub.RecvSeqID = seq
	}
	t.marks.mark(uid, sub.RecvSeqID, sub.ReadSeqID)
	t.marks.flush(t)
	return true
}

// senderMarks moves the sender's recv and read marks past their own message
// when they already stood right before it: nobody acknowledges their own
// message, and without this the sender would be pushed it back on every
// attach and counted as not having read it. A mark further behind stays:
// it says what the user has not yet received from the others, which is what
// resume and the others' delivery receipts rely on. Nothing is forwarded,
// as the others learn nothing new from it.
//
// The store's Append moves the stored marks by the same rule, so when it
// found the marks the actor holds (stored: no mark write pending or in
// flight on the topic since the batch was sent) they are not written again:
// at light load that write was a transaction of its own per message.
func (t *topic) senderMarks(uid proto.Uid, seq int, stored bool) {
	sub := t.subs[uid]
	if sub == nil {
		return
	}
	moved := false
	if sub.RecvSeqID == seq-1 {
		sub.RecvSeqID, moved = seq, true
	}
	if sub.ReadSeqID == seq-1 {
		sub.ReadSeqID, moved = seq, true
	}
	if moved && !stored {
		t.marks.mark(uid, sub.RecvSeqID, sub.ReadSeqID)
		t.marks.flush(t)
	}
}

// forwardInfo sends {info} to the other attached sessions, and on "me" to
// members who have no session attached here. Typing goes to other users
// only; a read or recv also reaches the sender's other devices.
func (t *topic) forwardInfo(from Subscriber, what string, seq int) {
	uid := from.UserID()
	mark := what == "read" || what == "recv"
	if mark && t.kind == kindGroup && len(t.subs) > maxReceiptGroup {
		return
	}
	attached := map[proto.Uid]bool{}
	for s, view := range t.attached {
		attached[s.UserID()] = true
		if s == from || (!mark && s.UserID() == uid) {
			continue
		}
		t.send(s, &proto.ServerMsg{Info: &proto.MsgServerInfo{Topic: view, From: uid.UserID(), What: what, SeqID: seq}})
	}
	if !mark {
		return
	}
	for member, sub := range t.subs {
		if member == uid || attached[member] || !sub.Mode().IsSet(proto.ModeRead|proto.ModePres) {
			continue
		}
		t.hub.infoToUser(member, &proto.MsgServerInfo{Topic: proto.TopicMe, Src: t.viewFor(member),
			From: uid.UserID(), What: what, SeqID: seq}, nil)
	}
}

// maxReceiptGroup is the largest group whose members' delivery and read
// receipts are forwarded to each other. Every member acknowledges every
// burst of messages, so forwarding grows with the square of the group's
// size; customer-service chats are far smaller than this, and a large group
// needs counts, not a receipt per member.
const maxReceiptGroup = 32

// markFlusher writes recv/read marks behind the actor: clients send a recv
// note after every burst of data, so marks are coalesced per user (and per
// device) and at most one write is in flight per topic.
type markFlusher struct {
	dirty    map[proto.Uid][2]int
	devices  map[devKey]devMark
	flushing bool
	started  int // flushes ever started
}

func (m *markFlusher) busy() bool { return m.flushing || len(m.dirty) > 0 || len(m.devices) > 0 }

// marksSince is a point in the topic's mark writes.
type marksSince struct {
	started int
	busy    bool
}

func (m *markFlusher) since() marksSince { return marksSince{m.started, m.busy()} }

// unchangedSince reports that no mark write was pending or in flight at p
// and none has started since: the store's marks were the actor's all along.
// Every change to the actor's marks starts a write at once unless one is in
// flight, so this also means none is waiting now.
func (m *markFlusher) unchangedSince(p marksSince) bool {
	return !p.busy && m.started == p.started && !m.busy()
}

func (m *markFlusher) markDevice(k devKey, v devMark) {
	if m.devices == nil {
		m.devices = map[devKey]devMark{}
	}
	m.devices[k] = v
}

// forgetUser drops uid's unwritten marks when uid leaves the topic.
func (m *markFlusher) forgetUser(uid proto.Uid) {
	delete(m.dirty, uid)
	for k := range m.devices {
		if k.uid == uid {
			delete(m.devices, k)
		}
	}
}

func (m *markFlusher) mark(uid proto.Uid, recv, read int) {
	if m.dirty == nil {
		m.dirty = map[proto.Uid][2]int{}
	}
	m.dirty[uid] = [2]int{recv, read}
}

func (m *markFlusher) flush(t *topic) {
	if m.flushing || (len(m.dirty) == 0 && len(m.devices) == 0) {
		return
	}
	batch, devs := m.dirty, deviceBatch(m.devices)
	m.dirty, m.devices, m.flushing = nil, nil, true
	m.started++
	go func() {
		// Concurrent calls share one commit in a group-committing store; one
		// after another they would cost a disk flush per member, and message
		// appends would queue behind them.
		var wg sync.WaitGroup
		errs := make(chan error, len(batch)+1)
		if len(devs) > 0 {
			wg.Go(func() {
				errs <- t.hub.store.SaveDeviceMarks(context.Background(), t.name, devs, t.hub.limits.MaxDevices)
			})
		}
		for uid, v := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- t.hub.store.UpdateMarks(context.Background(), t.name, uid, v[0], v[1])
			}()
		}
		wg.Wait()
		close(errs)
		var err error
		for e := range errs {
			if e != nil {
				err = e
			}
		}
		t.marked <- err
	}()
}

// deviceBatch lists coalesced device marks for the store.
func deviceBatch(devs map[devKey]devMark) []store.DeviceMark {
	out := make([]store.DeviceMark, 0, len(devs))
	for k, v := range devs {
		out = append(out, store.DeviceMark{User: k.uid, Device: k.dev, SeqID: v.seq, SeenAt: v.seen})
	}
	return out
}

func (m *markFlusher) finish(t *topic, err error) {
	m.flushing = false
	if err != nil {
		t.hub.log.Warn("saving read marks failed", "topic", t.name, "err", err)
	}
	m.flush(t)
}

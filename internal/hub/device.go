package hub

import (
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Per-device delivered marks. A user's recv mark is the furthest any of
// their devices got, so a second device coming back after the first one
// acknowledged more would be pushed from the first one's position and miss
// what lies between. A session that says which device it is (hi.dev) is
// pushed from what that device acknowledged instead. The marks live in the
// topic actor, loaded with the topic, and are written behind it together
// with the user marks (markFlusher), never once per acknowledgement.

// devKey names one device of one user.
type devKey struct {
	uid proto.Uid
	dev string
}

// devMark is the highest seq a device acknowledged here, and when.
type devMark struct {
	seq  int
	seen time.Time
}

// deviceMarks is the topic's device marks, bounded per user like the store.
type deviceMarks struct {
	marks map[devKey]devMark
}

func (d *deviceMarks) load(ms []store.DeviceMark) {
	d.marks = make(map[devKey]devMark, len(ms))
	for _, m := range ms {
		d.marks[devKey{m.User, m.Device}] = devMark{seq: m.SeqID, seen: m.SeenAt}
	}
}

// get returns the device's mark, if it has one here.
func (d *deviceMarks) get(uid proto.Uid, dev string) (int, bool) {
	m, ok := d.marks[devKey{uid, dev}]
	return m.seq, ok
}

// raise moves the device's mark up to seq. A device new to this topic
// first makes room among the user's keep devices, forgetting the least
// recently seen. It reports whether the mark changed.
func (d *deviceMarks) raise(k devKey, seq int, now time.Time, keep int) bool {
	if d.marks == nil {
		d.marks = map[devKey]devMark{}
	}
	cur, ok := d.marks[k]
	if ok && seq <= cur.seq {
		return false
	}
	if !ok {
		d.evict(k.uid, max(keep-1, 0))
	}
	d.marks[k] = devMark{seq: seq, seen: now}
	return true
}

// evict forgets uid's least recently seen devices until keep are left.
func (d *deviceMarks) evict(uid proto.Uid, keep int) {
	for {
		var oldest devKey
		n := 0
		for k, m := range d.marks {
			if k.uid != uid {
				continue
			}
			if n++; n == 1 || m.seen.Before(d.marks[oldest].seen) {
				oldest = k
			}
		}
		if n <= keep {
			return
		}
		delete(d.marks, oldest)
	}
}

// forget drops every mark of uid, when uid leaves the topic.
func (d *deviceMarks) forget(uid proto.Uid) {
	for k := range d.marks {
		if k.uid == uid {
			delete(d.marks, k)
		}
	}
}

// resetPositions forgets the device marks and reported positions of an
// earlier life of the topic: a one-to-one topic deleted and created again
// keeps its name, and possibly its actor.
func (t *topic) resetPositions() {
	t.devices = deviceMarks{}
	t.marks.devices = nil
	t.claimed, t.epochAt = 0, time.Time{}
}

// raiseDeviceMark records that s's device acknowledged up to seq and queues
// the mark for writing. Sessions without a device id have no mark of their
// own; their user's mark covers them.
func (t *topic) raiseDeviceMark(s Subscriber, seq int) {
	dev := s.DeviceID()
	uid := s.UserID()
	if dev == "" || seq <= 0 || seq > t.desc.SeqID || !t.mode(uid).IsSet(proto.ModeRead) {
		return
	}
	k := devKey{uid, dev}
	now := time.Now().UTC()
	if t.devices.raise(k, seq, now, t.hub.limits.MaxDevices) {
		t.marks.markDevice(k, devMark{seq: seq, seen: now})
		t.marks.flush(t)
	}
}

// senderDeviceMark moves the sending device's mark past its own message
// when the device had everything before it: clients do not acknowledge
// their own messages, and without this a device would be pushed back its
// own sends on every attach. A device behind that point keeps its mark, so
// it is still pushed what it has not acknowledged. The store's Append moves
// the stored mark by the same rule, so when it found the marks the actor
// holds (stored, as for senderMarks) the mark is not written again.
func (t *topic) senderDeviceMark(s Subscriber, seq int, stored bool) {
	dev := s.DeviceID()
	if dev == "" {
		return
	}
	cur, ok := t.devices.get(s.UserID(), dev)
	switch {
	case !ok || cur != seq-1:
	case stored:
		t.devices.raise(devKey{s.UserID(), dev}, seq, time.Now().UTC(), t.hub.limits.MaxDevices)
	default:
		t.raiseDeviceMark(s, seq)
	}
}

// startFrom is the seq after which a session attaching for uid is pushed
// messages: its device's mark, or its user's recv mark for a device that
// has none here (new, or forgotten).
func (t *topic) startFrom(s Subscriber, uid proto.Uid) int {
	if dev := s.DeviceID(); dev != "" {
		if seq, ok := t.devices.get(uid, dev); ok {
			return seq
		}
	}
	if sub := t.subs[uid]; sub != nil {
		return sub.RecvSeqID
	}
	return 0
}

package hub_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// A member who sends before acknowledging what the others sent still owes
// that acknowledgement: their own message must not move their recv mark
// over the others' messages, or the acknowledgement that follows is taken
// as stale and the others never get their delivery receipt.
func TestOwnSendDoesNotSkipReceipts(t *testing.T) {
	const owner, member proto.Uid = 42, 43
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	o, m := f.attach("o", owner, ""), f.attach("m", member, "")
	f.pub(o, 1) // seq 1, not yet acknowledged by the member
	wantSeqs(t, "member", dataSeqs(t, m, 1), 1, 1)
	f.dispatch(m, &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: "mp", Topic: name, NoEcho: true,
		Content: json.RawMessage(`"hi"`)}})
	m.ctrl(t, "mp") // seq 2
	f.note(m, "recv", 2)
	for {
		msg := o.next(t)
		if info, ok := msg["info"].(map[string]any); ok {
			if info["what"] != "recv" || info["seq"] != 2.0 {
				t.Fatalf("owner got %v, want the member's recv 2", info)
			}
			break
		}
	}
	meta := f.barrier(m)
	desc := meta["desc"].(map[string]any)
	if desc["recv"] != 2.0 || desc["read"] != nil && desc["read"] != 0.0 {
		t.Fatalf("member's marks in desc: recv %v read %v, want 2 and none", desc["recv"], desc["read"])
	}
}

// countingMarks counts the store's mark writes.
type countingMarks struct {
	store.Store
	updates, devices atomic.Int64
}

func (c *countingMarks) SaveDeviceMarks(ctx context.Context, topic string, marks []store.DeviceMark, keep int) error {
	c.devices.Add(1)
	return c.Store.SaveDeviceMarks(ctx, topic, marks, keep)
}

func (c *countingMarks) UpdateMarks(ctx context.Context, topic string, user proto.Uid, recv, read int) error {
	c.updates.Add(1)
	return c.Store.UpdateMarks(ctx, topic, user, recv, read)
}

// A sender's marks follow their own messages in the store's Append, so the
// actor does not write them again: at light load that write was a
// transaction of its own per message. The marks still end where the rule
// puts them, in memory and in the store, and a receipt in between is still
// written.
func TestSenderMarksAreNotWrittenTwice(t *testing.T) {
	const owner, member proto.Uid = 42, 43
	st := &countingMarks{Store: openStore(t)}
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	o, m := f.attach("o", owner, ""), f.attach("m", member, "")
	f.pub(o, 20)
	if n := st.updates.Load(); n != 0 {
		t.Errorf("%d mark writes for 20 messages of one sender, want 0", n)
	}
	wantSeqs(t, "member", dataSeqs(t, m, 20), 1, 20)
	f.note(m, "read", 20)
	meta := f.barrier(m)
	if desc := meta["desc"].(map[string]any); desc["read"] != 20.0 {
		t.Fatalf("member's desc %v, want read 20", desc)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		sub, err := st.GetSub(t.Context(), name, member)
		if err != nil {
			t.Fatal(err)
		}
		if sub.ReadSeqID == 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("member's stored read mark %d, want 20", sub.ReadSeqID)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sub, err := st.GetSub(t.Context(), name, owner)
	if err != nil || sub.RecvSeqID != 20 || sub.ReadSeqID != 20 {
		t.Errorf("owner's stored marks %+v, %v; want 20/20", sub, err)
	}
	if n := st.updates.Load(); n != 1 {
		t.Errorf("%d mark writes, want the member's receipt alone", n)
	}
}

// The same for the sending device's mark: it follows the device's own
// messages in the store's Append, so 20 messages after an acknowledgement
// are not 20 more device mark writes, and the stored mark ends at the last.
func TestSenderDeviceMarkIsNotWrittenTwice(t *testing.T) {
	const owner, member proto.Uid = 42, 43
	st := &countingMarks{Store: openStore(t)}
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	o, m := f.attach("o", owner, "phone"), f.attach("m", member, "")
	f.pub(m, 1)
	wantSeqs(t, "owner", dataSeqs(t, o, 1), 1, 1)
	f.note(o, "recv", 1)
	waitDeviceMark(t, st, name, 1)
	f.pub(o, 20)
	waitDeviceMark(t, st, name, 21)
	if n := st.devices.Load(); n > 2 {
		t.Errorf("%d device mark writes for one acknowledgement and 20 messages, want the acknowledgement's (and at most one more, if it was still being written)", n)
	}
}

// waitDeviceMark waits until the owner's phone's stored mark is seq.
func waitDeviceMark(t *testing.T, st store.Store, topic string, seq int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		marks, err := st.DeviceMarks(t.Context(), topic)
		if err != nil {
			t.Fatal(err)
		}
		if len(marks) == 1 && marks[0].SeqID == seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("device marks %+v, want the phone at %d", marks, seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

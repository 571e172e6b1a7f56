package storetest

import (
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testDevices(t *testing.T, open Opener) {
	t.Run("SaveRaisesOnly", func(t *testing.T) { testSaveDeviceMarks(t, open) })
	t.Run("OnlySubscribed", func(t *testing.T) { testDeviceMarksNeedSub(t, open) })
	t.Run("KeepMostRecentlySeen", func(t *testing.T) { testDeviceEviction(t, open) })
	t.Run("DeletedWithSubAndTopic", func(t *testing.T) { testDeviceMarksDeleted(t, open) })
	t.Run("FollowSendersOwnMessages", func(t *testing.T) { testDeviceMarksFollowSends(t, open) })
}

// The sending device's mark follows its own messages, by the rule of the
// sender's marks: only from right before, and only a mark it has.
func testDeviceMarksFollowSends(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice, bob)
	mustSaveMarks(t, s, grpA, 10, devMark(alice, "tab", 0, 1), devMark(alice, "phone", 0, 1))
	sent := func(from proto.Uid, dev, text string) *store.Message {
		m := textMsg(grpA, from, "", text)
		m.Device = dev
		return m
	}
	// tab: 1, 2 its own; phone's 3 breaks the run; bob's 4; tab's 5 after
	// a message it did not acknowledge; laptop has no mark to move.
	mustAppend(t, s, sent(alice, "tab", "1"), sent(alice, "tab", "2"), sent(alice, "phone", "3"),
		sent(bob, "", "4"), sent(alice, "tab", "5"), sent(alice, "laptop", "6"))
	got := deviceSeqs(t, s, grpA, nil)
	want := []store.DeviceMark{devMark(alice, "phone", 0, 0), devMark(alice, "tab", 2, 0)}
	if !sameMarks(got, want...) {
		t.Errorf("DeviceMarks = %+v, want %+v", got, want)
	}
	mustSaveMarks(t, s, grpA, 10, devMark(alice, "phone", 6, 2))
	mustAppend(t, s, sent(alice, "phone", "7"))
	if got := deviceSeqs(t, s, grpA, nil); !sameMarks(got, devMark(alice, "phone", 7, 0), devMark(alice, "tab", 2, 0)) {
		t.Errorf("DeviceMarks = %+v, want phone at 7 after its own message", got)
	}
}

func testEpochs(t *testing.T, open Opener) {
	t.Run("UpdateTopicEpoch", func(t *testing.T) { testUpdateEpoch(t, open) })
	t.Run("RenewEpochs", func(t *testing.T) { testRenewEpochs(t, open) })
}

func devMark(user proto.Uid, dev string, seq, seen int) store.DeviceMark {
	return store.DeviceMark{User: user, Device: dev, SeqID: seq, SeenAt: at(seen)}
}

// mustSaveMarks saves marks with room for keep devices per user.
func mustSaveMarks(t *testing.T, s store.Store, topic string, keep int, marks ...store.DeviceMark) {
	t.Helper()
	if err := s.SaveDeviceMarks(t.Context(), topic, marks, keep); err != nil {
		t.Fatalf("SaveDeviceMarks(%s): %v", topic, err)
	}
}

// deviceSeqs lists the topic's marks as "user/device=seq" by user and
// device, and checks each mark's SeenAt against seen when it is not nil.
func deviceSeqs(t *testing.T, s store.Store, topic string, seen map[string]int) []store.DeviceMark {
	t.Helper()
	got, err := s.DeviceMarks(t.Context(), topic)
	if err != nil {
		t.Fatalf("DeviceMarks(%s): %v", topic, err)
	}
	for _, m := range got {
		if sec, ok := seen[m.Device]; ok {
			checkTime(t, "SeenAt of "+m.Device, m.SeenAt, at(sec))
		}
	}
	return got
}

func sameMarks(got []store.DeviceMark, want ...store.DeviceMark) bool {
	return slices.EqualFunc(got, want, func(a, b store.DeviceMark) bool {
		return a.User == b.User && a.Device == b.Device && a.SeqID == b.SeqID
	})
}

func testSaveDeviceMarks(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, carol, alice)
	mustCreateTopic(t, s, grpB, alice)
	if got := deviceSeqs(t, s, grpA, nil); len(got) != 0 {
		t.Fatalf("DeviceMarks of a fresh topic = %v, want none", got)
	}
	mustSaveMarks(t, s, grpA, 10, devMark(carol, "phone", 5, 1), devMark(alice, "tab", 7, 1),
		devMark(alice, "laptop", 3, 1))
	mustSaveMarks(t, s, grpB, 10, devMark(alice, "laptop", 9, 2))
	// A lower seq leaves the mark but still counts as a sighting.
	mustSaveMarks(t, s, grpA, 10, devMark(alice, "tab", 4, 3), devMark(alice, "laptop", 6, 2))
	got := deviceSeqs(t, s, grpA, map[string]int{"tab": 3, "laptop": 2, "phone": 1})
	want := []store.DeviceMark{devMark(alice, "laptop", 6, 0), devMark(alice, "tab", 7, 0), devMark(carol, "phone", 5, 0)}
	if !sameMarks(got, want...) {
		t.Errorf("DeviceMarks(grpA) = %+v, want %+v (ordered by user, then device)", got, want)
	}
	if got := deviceSeqs(t, s, grpB, nil); !sameMarks(got, devMark(alice, "laptop", 9, 0)) {
		t.Errorf("DeviceMarks(grpB) = %+v, want laptop at 9 only", got)
	}
}

func testDeviceMarksNeedSub(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	mustSaveMarks(t, s, grpA, 10, devMark(bob, "phone", 5, 1), devMark(alice, "phone", 2, 1))
	mustSaveMarks(t, s, grpC, 10, devMark(alice, "phone", 5, 1)) // no such topic
	if got := deviceSeqs(t, s, grpA, nil); !sameMarks(got, devMark(alice, "phone", 2, 0)) {
		t.Errorf("DeviceMarks = %+v, want alice's only", got)
	}
}

func testDeviceEviction(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice, bob)
	mustCreateTopic(t, s, grpB, alice)
	mustSaveMarks(t, s, grpA, 2, devMark(alice, "d1", 1, 1), devMark(bob, "b1", 1, 1))
	mustSaveMarks(t, s, grpB, 2, devMark(alice, "d1", 2, 1), devMark(alice, "d2", 2, 2))
	mustSaveMarks(t, s, grpA, 2, devMark(alice, "d3", 3, 3))
	// d1 was seen least recently: it goes, from both topics; bob is
	// counted on his own.
	if got := deviceSeqs(t, s, grpA, nil); !sameMarks(got, devMark(alice, "d3", 3, 0), devMark(bob, "b1", 1, 0)) {
		t.Errorf("DeviceMarks(grpA) after a third device = %+v, want d3 and bob's b1", got)
	}
	if got := deviceSeqs(t, s, grpB, nil); !sameMarks(got, devMark(alice, "d2", 2, 0)) {
		t.Errorf("DeviceMarks(grpB) after a third device = %+v, want d2 only", got)
	}
	// d1 coming back is a new device: d2 is now the least recently seen.
	mustSaveMarks(t, s, grpA, 2, devMark(alice, "d1", 4, 4))
	if got := deviceSeqs(t, s, grpB, nil); len(got) != 0 {
		t.Errorf("DeviceMarks(grpB) = %+v, want d2 forgotten", got)
	}
	if got := deviceSeqs(t, s, grpA, nil); !sameMarks(got, devMark(alice, "d1", 4, 0), devMark(alice, "d3", 3, 0),
		devMark(bob, "b1", 1, 0)) {
		t.Errorf("DeviceMarks(grpA) = %+v, want d1 at 4 (not its old 1), d3 and b1", got)
	}
}

func testDeviceMarksDeleted(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	mustCreateTopic(t, s, grpA, alice, bob)
	mustSaveMarks(t, s, grpA, 10, devMark(alice, "d1", 1, 1), devMark(bob, "b1", 1, 1))
	if err := s.DeleteSub(ctx, grpA, bob); err != nil {
		t.Fatal(err)
	}
	if got := deviceSeqs(t, s, grpA, nil); !sameMarks(got, devMark(alice, "d1", 1, 0)) {
		t.Errorf("DeviceMarks after bob left = %+v, want alice's only", got)
	}
	sub := newSub(grpA, bob) // bob rejoins: he starts from nothing
	if err := s.CreateSub(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	if got := deviceSeqs(t, s, grpA, nil); len(got) != 1 {
		t.Errorf("DeviceMarks after bob rejoined = %+v, want alice's only", got)
	}
	if err := s.DeleteTopic(ctx, grpA); err != nil {
		t.Fatal(err)
	}
	mustCreateTopic(t, s, grpA, alice)
	if got := deviceSeqs(t, s, grpA, nil); len(got) != 0 {
		t.Errorf("DeviceMarks of a recreated topic = %+v, want none", got)
	}
}

func testUpdateEpoch(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	epoch := int64(77)
	if err := s.UpdateTopic(t.Context(), grpA, store.TopicUpdate{Epoch: &epoch}); err != nil {
		t.Fatalf("UpdateTopic(Epoch): %v", err)
	}
	want := newTopic(grpA, alice)
	want.Epoch = 77
	checkTopic(t, mustGetTopic(t, s, grpA), want)
}

func testRenewEpochs(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	mustCreateTopic(t, s, grpB, bob)
	fill(t, s, grpB, bob, 3)
	next := int64(100)
	n, err := s.RenewEpochs(t.Context(), func() int64 { next++; return next })
	if err != nil || n != 2 {
		t.Fatalf("RenewEpochs = %d, %v; want 2 topics", n, err)
	}
	a, b := mustGetTopic(t, s, grpA), mustGetTopic(t, s, grpB)
	if got := []int64{a.Epoch, b.Epoch}; !slices.Contains(got, 101) || !slices.Contains(got, 102) {
		t.Errorf("epochs after RenewEpochs = %v, want 101 and 102", got)
	}
	if b.SeqID != 3 || !jsonEqual(b.Public, newTopic(grpB, bob).Public) {
		t.Errorf("RenewEpochs changed more than the epoch: %+v", b)
	}
}

package storetest

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
)

func testAppend(t *testing.T, open Opener) {
	t.Run("SeqsInOrder", func(t *testing.T) { testAppendSeqs(t, open) })
	t.Run("SeveralTopics", func(t *testing.T) { testAppendTopics(t, open) })
	t.Run("Dedup", func(t *testing.T) { testAppendDedup(t, open) })
	t.Run("UnknownTopic", func(t *testing.T) { testAppendUnknownTopic(t, open) })
	t.Run("SenderMarksFollowOnlyFromRightBefore", func(t *testing.T) { testAppendMarks(t, open) })
	t.Run("TouchesTopic", func(t *testing.T) { testAppendTouches(t, open) })
	t.Run("RoundTrip", func(t *testing.T) { testAppendRoundTrip(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testAppendConcurrent(t, open) })
	t.Run("ConcurrentDuplicates", func(t *testing.T) { testAppendConcurrentDup(t, open) })
}

// resultSeqs lists the seqs of results in order.
func resultSeqs(res []store.AppendResult) []int {
	seqs := make([]int, 0, len(res))
	for _, r := range res {
		seqs = append(seqs, r.SeqID)
	}
	return seqs
}

func testAppendSeqs(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	res := mustAppend(t, s, textMsg(grpA, alice, "1", "a"), textMsg(grpA, alice, "2", "b"), textMsg(grpA, alice, "3", "c"))
	if got := resultSeqs(res); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("first call seqs = %v, want [1 2 3]", got)
	}
	res = mustAppend(t, s, textMsg(grpA, alice, "4", "d"), textMsg(grpA, alice, "5", "e"))
	if got := resultSeqs(res); !slices.Equal(got, []int{4, 5}) {
		t.Errorf("second call seqs = %v, want [4 5]", got)
	}
	for _, r := range res {
		if r.Duplicate || r.CreatedAt.IsZero() {
			t.Errorf("result %+v: want a new message with a creation time", r)
		}
	}
	if top := mustGetTopic(t, s, grpA); top.SeqID != 5 {
		t.Errorf("topic SeqID = %d, want 5", top.SeqID)
	}
	msgs, err := s.GetMessages(t.Context(), grpA, alice, store.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(msgs); !slices.Equal(got, []int{5, 4, 3, 2, 1}) {
		t.Errorf("stored seqs = %v, want [5 4 3 2 1]", got)
	}
	for _, m := range msgs {
		if want := string(rune('0' + m.SeqID)); m.MsgID != want {
			t.Errorf("seq %d holds message %q, want %q: not stored in the order given", m.SeqID, m.MsgID, want)
		}
	}
	if res, err := s.Append(t.Context(), nil); err != nil || len(res) != 0 {
		t.Errorf("Append(nil) = %v, %v; want no results", res, err)
	}
}

func testAppendTopics(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	mustCreateTopic(t, s, grpB, alice)
	res := mustAppend(t, s, textMsg(grpA, alice, "", "a"), textMsg(grpB, alice, "", "b"),
		textMsg(grpA, alice, "", "c"), textMsg(grpB, alice, "", "d"), textMsg(grpA, alice, "", "e"))
	if got := resultSeqs(res); !slices.Equal(got, []int{1, 1, 2, 2, 3}) {
		t.Errorf("seqs = %v, want [1 1 2 2 3]", got)
	}
	if a, b := mustGetTopic(t, s, grpA), mustGetTopic(t, s, grpB); a.SeqID != 3 || b.SeqID != 2 {
		t.Errorf("SeqIDs = %d, %d, want 3, 2", a.SeqID, b.SeqID)
	}
}

func testAppendDedup(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	mustCreateTopic(t, s, grpB, alice)
	first := textMsg(grpA, alice, "x", "original")
	first.CreatedAt = at(1)
	orig := mustAppend(t, s, first, textMsg(grpA, alice, "y", "y"))

	// In a later call, and twice within one call.
	retry := textMsg(grpA, alice, "x", "retry")
	retry.CreatedAt = at(99)
	res := mustAppend(t, s, textMsg(grpA, alice, "z", "z"), retry,
		textMsg(grpA, alice, "w", "w"), textMsg(grpA, alice, "w", "w again"))
	want := []store.AppendResult{
		{SeqID: 3},
		{SeqID: 1, CreatedAt: orig[0].CreatedAt, Duplicate: true},
		{SeqID: 4},
		{SeqID: 4, CreatedAt: res[2].CreatedAt, Duplicate: true},
	}
	for i, w := range want {
		r := res[i]
		if r.SeqID != w.SeqID || r.Duplicate != w.Duplicate || (w.Duplicate && !r.CreatedAt.Equal(w.CreatedAt)) {
			t.Errorf("result %d = %+v, want %+v", i, r, w)
		}
	}
	checkTime(t, "duplicate's CreatedAt", res[1].CreatedAt, at(1))

	// Same client id elsewhere, and empty ids, are not duplicates.
	res = mustAppend(t, s, textMsg(grpB, alice, "x", "b"), textMsg(grpA, alice, "", "e1"), textMsg(grpA, alice, "", "e2"))
	if got := resultSeqs(res); !slices.Equal(got, []int{1, 5, 6}) || res[0].Duplicate || res[1].Duplicate || res[2].Duplicate {
		t.Errorf("results = %+v, want new messages 1, 5, 6", res)
	}
	if top := mustGetTopic(t, s, grpA); top.SeqID != 6 {
		t.Errorf("SeqID = %d, want 6: duplicates must not consume seqs", top.SeqID)
	}
	m, err := s.MessageByMsgID(t.Context(), grpA, "x")
	if err != nil {
		t.Fatal(err)
	}
	if m.SeqID != 1 || !jsonEqual(m.Content, json.RawMessage(`"original"`)) {
		t.Errorf("message x = seq %d %s, want seq 1 \"original\"", m.SeqID, m.Content)
	}
}

func testAppendUnknownTopic(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	res, err := s.Append(t.Context(), []*store.Message{
		textMsg(grpA, alice, "1", "a"), textMsg(grpC, alice, "2", "lost"), textMsg(grpA, alice, "3", "b"),
	})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	wantErr(t, "message to an unknown topic", res[1].Err, store.ErrNotFound)
	if res[0].Err != nil || res[2].Err != nil || res[0].SeqID != 1 || res[2].SeqID != 2 {
		t.Errorf("other results = %+v, %+v; want seqs 1 and 2", res[0], res[2])
	}
	msgs, err := s.GetMessages(t.Context(), grpA, alice, store.MessageQuery{})
	if err != nil || !slices.Equal(seqsOf(msgs), []int{2, 1}) {
		t.Errorf("stored seqs = %v, %v; want [2 1]", seqsOf(msgs), err)
	}
}

// A sender's own message moves their marks only when they stood right
// before it (docs/protocol.md, "The sender's own marks"): a mark that jumped
// over the others' unacknowledged messages would make resume skip them, and
// after a restart the store's marks are all there is.
func testAppendMarks(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice, bob)
	mustAppend(t, s, textMsg(grpA, alice, "", "1"), textMsg(grpA, alice, "", "2"), textMsg(grpA, bob, "", "3"))
	if a := mustGetSub(t, s, grpA, alice); a.RecvSeqID != 2 || a.ReadSeqID != 2 {
		t.Errorf("alice's recv/read = %d/%d, want 2/2", a.RecvSeqID, a.ReadSeqID)
	}
	if b := mustGetSub(t, s, grpA, bob); b.RecvSeqID != 0 || b.ReadSeqID != 0 {
		t.Errorf("bob's recv/read = %d/%d, want 0/0: he had not acknowledged 1 and 2", b.RecvSeqID, b.ReadSeqID)
	}
	// Once bob has received everything but not read it, his next messages
	// move recv and leave read; alice's run of messages after bob's is
	// not hers to follow, nor is her message after another of bob's.
	if err := s.UpdateMarks(t.Context(), grpA, bob, 3, 1); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, textMsg(grpA, bob, "", "4"), textMsg(grpA, bob, "", "5"), textMsg(grpA, alice, "", "6"),
		textMsg(grpA, bob, "", "7"), textMsg(grpA, alice, "", "8"))
	if b := mustGetSub(t, s, grpA, bob); b.RecvSeqID != 5 || b.ReadSeqID != 1 {
		t.Errorf("bob's recv/read = %d/%d, want 5/1", b.RecvSeqID, b.ReadSeqID)
	}
	if a := mustGetSub(t, s, grpA, alice); a.RecvSeqID != 2 || a.ReadSeqID != 2 {
		t.Errorf("alice's recv/read = %d/%d after others posted, want 2/2", a.RecvSeqID, a.ReadSeqID)
	}
	// Two calls in a row continue the run of the first.
	mustAppend(t, s, textMsg(grpA, alice, "", "9"))
	if err := s.UpdateMarks(t.Context(), grpA, alice, 9, 9); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, textMsg(grpA, alice, "", "10"))
	mustAppend(t, s, textMsg(grpA, alice, "", "11"))
	if a := mustGetSub(t, s, grpA, alice); a.RecvSeqID != 11 || a.ReadSeqID != 11 {
		t.Errorf("alice's recv/read = %d/%d after her own 10 and 11, want 11/11", a.RecvSeqID, a.ReadSeqID)
	}
	// A sender without a subscription (a service account, say) still posts.
	res := mustAppend(t, s, textMsg(grpA, carol, "", "12"))
	if res[0].SeqID != 12 {
		t.Errorf("seq = %d, want 12", res[0].SeqID)
	}
}

func testAppendTouches(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	m := textMsg(grpA, alice, "", "hi")
	m.CreatedAt = at(60)
	mustAppend(t, s, m)
	top := mustGetTopic(t, s, grpA)
	checkTime(t, "TouchedAt", top.TouchedAt, at(60))
	if top.SeqID != 1 {
		t.Errorf("SeqID = %d, want 1", top.SeqID)
	}
	checkTime(t, "UpdatedAt", top.UpdatedAt, at(0)) // a message is not a description change
}

func testAppendRoundTrip(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	berlin := time.FixedZone("CEST", 2*3600)
	fine := time.Date(2024, 6, 1, 10, 30, 0, 123_456_789, berlin)
	msgs := []*store.Message{
		{Topic: grpA, From: alice, MsgID: "str", CreatedAt: at(5), Content: json.RawMessage(`"plain text"`)},
		{Topic: grpA, From: carol, MsgID: "obj", CreatedAt: fine,
			Head:    map[string]any{"mime": "text/x-drafty", "reply": "1", "n": 3.0, "nested": map[string]any{"ok": true}},
			Content: json.RawMessage(`{"txt":"hi there","fmt":[{"at":0,"len":2,"tp":"ST"}],"ent":[]}`)},
	}
	res := mustAppend(t, s, msgs...)
	checkTime(t, "ms-precise CreatedAt", res[0].CreatedAt, at(5))
	if d := res[1].CreatedAt.Sub(fine).Abs(); d >= time.Millisecond || res[1].CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt %v for %v: want the same instant to the millisecond, in UTC", res[1].CreatedAt, fine)
	}
	for i, want := range msgs {
		got, err := s.MessageByMsgID(t.Context(), grpA, want.MsgID)
		if err != nil {
			t.Fatalf("MessageByMsgID(%s): %v", want.MsgID, err)
		}
		if got.Topic != grpA || got.SeqID != i+1 || got.MsgID != want.MsgID || got.From != want.From {
			t.Errorf("message = %s/%d %q from %v, want %s/%d %q from %v",
				got.Topic, got.SeqID, got.MsgID, got.From, grpA, i+1, want.MsgID, want.From)
		}
		checkTime(t, "stored CreatedAt", got.CreatedAt, res[i].CreatedAt)
		if !got.DeletedAt.IsZero() {
			t.Errorf("DeletedAt = %v, want zero", got.DeletedAt)
		}
		if !reflect.DeepEqual(got.Head, want.Head) {
			t.Errorf("Head = %#v, want %#v", got.Head, want.Head)
		}
		if !jsonEqual(got.Content, want.Content) {
			t.Errorf("Content = %s, want %s", got.Content, want.Content)
		}
	}
	_, err := s.MessageByMsgID(t.Context(), grpA, "nope")
	wantErr(t, "MessageByMsgID of an unknown id", err, store.ErrNotFound)
	_, err = s.MessageByMsgID(t.Context(), grpB, "str")
	wantErr(t, "MessageByMsgID in another topic", err, store.ErrNotFound)
}

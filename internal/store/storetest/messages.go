package storetest

import (
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testMessages(t *testing.T, open Opener) {
	t.Run("Query", func(t *testing.T) { testGetMessages(t, open) })
	t.Run("HardDeleteWipes", func(t *testing.T) { testHardDelete(t, open) })
}

// historyFixture stores messages 1…10 from alice in grpA, then deletes
// [2,4) for bob only and [6,7) for everyone.
func historyFixture(t *testing.T, open Opener) store.Store {
	t.Helper()
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice, bob)
	mustCreateTopic(t, s, grpB, alice)
	fill(t, s, grpA, alice, 10)
	fill(t, s, grpB, alice, 3)
	if _, err := s.DeleteMessages(t.Context(), grpA, bob, []store.Range{{Low: 2, Hi: 4}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteMessages(t.Context(), grpA, proto.ZeroUid, []store.Range{{Low: 6, Hi: 7}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func testGetMessages(t *testing.T, open Opener) {
	s := historyFixture(t, open)
	cases := []struct {
		name string
		user proto.Uid
		q    store.MessageQuery
		want []int
	}{
		{"all", alice, store.MessageQuery{}, []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"soft-deleted hidden from their deleter", bob, store.MessageQuery{}, []int{10, 9, 8, 7, 6, 5, 4, 1}},
		{"since and before", alice, store.MessageQuery{Since: 3, Before: 6}, []int{5, 4, 3}},
		{"since", alice, store.MessageQuery{Since: 8}, []int{10, 9, 8}},
		{"before", alice, store.MessageQuery{Before: 3}, []int{2, 1}},
		{"limit keeps the newest", alice, store.MessageQuery{Limit: 3}, []int{10, 9, 8}},
		{"limit within bounds", alice, store.MessageQuery{Since: 2, Before: 9, Limit: 2}, []int{8, 7}},
		{"ranges", alice, store.MessageQuery{Ranges: []store.Range{{Low: 1, Hi: 3}, {Low: 8, Hi: 10}}}, []int{9, 8, 2, 1}},
		{"ranges with limit", alice, store.MessageQuery{Ranges: []store.Range{{Low: 1, Hi: 3}, {Low: 8, Hi: 10}}, Limit: 2}, []int{9, 8}},
		{"ranges for bob", bob, store.MessageQuery{Ranges: []store.Range{{Low: 1, Hi: 5}}}, []int{4, 1}},
		{"past the end", alice, store.MessageQuery{Since: 11}, nil},
		{"others see what one user hid", carol, store.MessageQuery{Since: 1}, []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msgs, err := s.GetMessages(t.Context(), grpA, tc.user, tc.q)
			if err != nil {
				t.Fatalf("GetMessages: %v", err)
			}
			if got := seqsOf(msgs); !slices.Equal(got, tc.want) {
				t.Errorf("seqs = %v, want %v", got, tc.want)
			}
			for _, m := range msgs {
				if m.Topic != grpA {
					t.Errorf("message %d belongs to %s", m.SeqID, m.Topic)
				}
			}
		})
	}
	msgs, err := s.GetMessages(t.Context(), grpB, bob, store.MessageQuery{})
	if err != nil || !slices.Equal(seqsOf(msgs), []int{3, 2, 1}) {
		t.Errorf("grpB for bob = %v, %v; want [3 2 1]: deletions are per topic", seqsOf(msgs), err)
	}
}

func testHardDelete(t *testing.T, open Opener) {
	s := historyFixture(t, open)
	for _, user := range []proto.Uid{alice, bob} {
		msgs, err := s.GetMessages(t.Context(), grpA, user, store.MessageQuery{Since: 5, Before: 8})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seqsOf(msgs), []int{7, 6, 5}) {
			t.Fatalf("seqs = %v, want [7 6 5]", seqsOf(msgs))
		}
		for _, m := range msgs {
			deleted := m.SeqID == 6
			if deleted != !m.DeletedAt.IsZero() {
				t.Errorf("message %d: DeletedAt = %v", m.SeqID, m.DeletedAt)
			}
			if deleted && (m.Content != nil || m.Head != nil) {
				t.Errorf("hard-deleted message %d still has head %v, content %s", m.SeqID, m.Head, m.Content)
			}
			if !deleted && !jsonEqual(m.Content, []byte(`"filler"`)) {
				t.Errorf("message %d lost its content: %s", m.SeqID, m.Content)
			}
		}
	}
	// Deleting again changes nothing but the log.
	if _, err := s.DeleteMessages(t.Context(), grpA, proto.ZeroUid, []store.Range{{Low: 5, Hi: 7}}); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.GetMessages(t.Context(), grpA, alice, store.MessageQuery{Since: 5, Before: 8})
	if err != nil || len(msgs) != 3 || !msgs[0].DeletedAt.IsZero() ||
		msgs[1].DeletedAt.IsZero() || msgs[2].DeletedAt.IsZero() || msgs[2].Content != nil {
		t.Errorf("after deleting [5,7): %v, %v; want 7 intact, 6 and 5 wiped", seqsOf(msgs), err)
	}
	if top := mustGetTopic(t, s, grpA); top.SeqID != 10 {
		t.Errorf("SeqID = %d after deletes, want 10", top.SeqID)
	}
}

func testDeletions(t *testing.T, open Opener) {
	t.Run("DeleteIDs", func(t *testing.T) { testDeleteIDs(t, open) })
	t.Run("Log", func(t *testing.T) { testDeletionLog(t, open) })
	t.Run("NoDeletions", func(t *testing.T) { testNoDeletions(t, open) })
}

func testDeleteIDs(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	mustCreateTopic(t, s, grpA, alice, bob)
	mustCreateTopic(t, s, grpB, alice)
	fill(t, s, grpA, alice, 5)
	fill(t, s, grpB, alice, 5)
	steps := []struct {
		topic string
		user  proto.Uid
		want  int
	}{
		{grpA, bob, 1}, {grpA, proto.ZeroUid, 2}, {grpB, alice, 1}, {grpA, alice, 3}, {grpB, proto.ZeroUid, 2},
	}
	for i, st := range steps {
		id, err := s.DeleteMessages(ctx, st.topic, st.user, []store.Range{{Low: 1, Hi: 2}})
		if err != nil || id != st.want {
			t.Errorf("delete %d in %s = %d, %v; want %d", i, st.topic, id, err, st.want)
		}
	}
	if a, b := mustGetTopic(t, s, grpA), mustGetTopic(t, s, grpB); a.DelID != 3 || b.DelID != 2 {
		t.Errorf("DelIDs = %d, %d, want 3, 2", a.DelID, b.DelID)
	}
	_, err := s.DeleteMessages(ctx, grpC, alice, []store.Range{{Low: 1, Hi: 2}})
	wantErr(t, "DeleteMessages in an unknown topic", err, store.ErrNotFound)
}

// logFixture records, in grpA:
//
//	1: hard [6,7)
//	2: bob [2,4)
//	3: carol [1,10)
//	4: bob [4,5) and [8,9)
//	5: hard [7,8)
func logFixture(t *testing.T, open Opener) store.Store {
	t.Helper()
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice, bob, carol)
	mustCreateTopic(t, s, grpB, alice)
	fill(t, s, grpA, alice, 10)
	steps := []struct {
		user   proto.Uid
		ranges []store.Range
	}{
		{proto.ZeroUid, []store.Range{{Low: 6, Hi: 7}}},
		{bob, []store.Range{{Low: 2, Hi: 4}}},
		{carol, []store.Range{{Low: 1, Hi: 10}}},
		{bob, []store.Range{{Low: 8, Hi: 9}, {Low: 4, Hi: 5}}},
		{proto.ZeroUid, []store.Range{{Low: 7, Hi: 8}}},
	}
	for i, st := range steps {
		if id, err := s.DeleteMessages(t.Context(), grpA, st.user, st.ranges); err != nil || id != i+1 {
			t.Fatalf("DeleteMessages %d = %d, %v", i+1, id, err)
		}
	}
	return s
}

func testDeletionLog(t *testing.T, open Opener) {
	s := logFixture(t, open)
	cases := []struct {
		name         string
		user         proto.Uid
		since, limit int
		want         []store.Range
		wantID       int
	}{
		{"hard only", alice, 0, 0, []store.Range{{Low: 6, Hi: 8}}, 5},
		{"own and hard, merged", bob, 0, 0, []store.Range{{Low: 2, Hi: 5}, {Low: 6, Hi: 9}}, 5},
		{"since", bob, 3, 0, []store.Range{{Low: 4, Hi: 5}, {Low: 7, Hi: 9}}, 5},
		{"overlaps merged", carol, 2, 0, []store.Range{{Low: 1, Hi: 10}}, 5},
		{"since the last", alice, 5, 0, []store.Range{{Low: 7, Hi: 8}}, 5},
		{"since past the last", alice, 6, 0, nil, 0},
		{"since leaves only a hard delete", bob, 5, 0, []store.Range{{Low: 7, Hi: 8}}, 5},
		{"limit counts deletions", bob, 1, 2, []store.Range{{Low: 2, Hi: 4}, {Low: 6, Hi: 7}}, 2},
		{"limit skips others' deletions", carol, 1, 2, []store.Range{{Low: 1, Hi: 10}}, 3},
		{"no user: hard only", proto.ZeroUid, 0, 0, []store.Range{{Low: 6, Hi: 8}}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, id, err := s.DeletionLog(t.Context(), grpA, tc.user, tc.since, tc.limit)
			if err != nil {
				t.Fatalf("DeletionLog: %v", err)
			}
			if !slices.Equal(got, tc.want) || id != tc.wantID {
				t.Errorf("DeletionLog = %v, %d; want %v, %d", got, id, tc.want, tc.wantID)
			}
		})
	}
}

func testNoDeletions(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	fill(t, s, grpA, alice, 3)
	rs, id, err := s.DeletionLog(t.Context(), grpA, alice, 0, 0)
	if rs != nil || id != 0 || err != nil {
		t.Errorf("DeletionLog = %v, %d, %v; want nil, 0, nil", rs, id, err)
	}
	if top := mustGetTopic(t, s, grpA); top.DelID != 0 {
		t.Errorf("DelID = %d, want 0", top.DelID)
	}
}

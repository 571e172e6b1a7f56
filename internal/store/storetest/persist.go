package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testKeys(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	first, second := []byte("first secret \x00\xff"), []byte("second secret")
	got, err := s.GetOrCreateKey(ctx, "token", first)
	if err != nil || !bytes.Equal(got, first) {
		t.Fatalf("first GetOrCreateKey = %q, %v; want %q", got, err, first)
	}
	got, err = s.GetOrCreateKey(ctx, "token", second)
	if err != nil || !bytes.Equal(got, first) {
		t.Errorf("second GetOrCreateKey = %q, %v; want the stored %q", got, err, first)
	}
	got, err = s.GetOrCreateKey(ctx, "other", second)
	if err != nil || !bytes.Equal(got, second) {
		t.Errorf("GetOrCreateKey(other) = %q, %v; want %q", got, err, second)
	}
}

// RunPersistence checks that acknowledged writes survive closing and
// reopening the store. open must return a store over the same database on
// every call; the first call must find it empty.
func RunPersistence(t *testing.T, open Opener) {
	s := open(t)
	created := writeHistory(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t)
	checkHistory(t, s, created)
	// A retry after the restart is still recognised.
	res := mustAppend(t, s, textMsg(grpA, bob, "m1", "retry"), textMsg(grpA, bob, "", "after restart"))
	if !res[0].Duplicate || res[0].SeqID != 1 || !res[0].CreatedAt.Equal(created) {
		t.Errorf("retry after reopen = %+v, want a duplicate of seq 1 created at %v", res[0], created)
	}
	if res[1].Duplicate || res[1].SeqID != 24 {
		t.Errorf("first append after reopen = %+v, want new seq 24", res[1])
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t)
	defer s.Close()
	if top := mustGetTopic(t, s, grpA); top.SeqID != 24 {
		t.Errorf("SeqID after the second reopen = %d, want 24", top.SeqID)
	}
}

// writeHistory stores a user, a key, a topic with 23 messages (3 in order,
// 20 from concurrent callers) and a hard delete, returning the first
// message's creation time.
func writeHistory(t *testing.T, s store.Store) (firstCreated time.Time) {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateUser(ctx, newUser(alice), newAuth("basic:alice", alice)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOrCreateKey(ctx, "token", []byte("k1")); err != nil {
		t.Fatal(err)
	}
	mustCreateTopic(t, s, grpA, alice, bob)
	res := mustAppend(t, s, textMsg(grpA, bob, "m1", "one"), textMsg(grpA, bob, "m2", "two"),
		textMsg(grpA, alice, "m3", "three"))
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := s.Append(ctx, []*store.Message{textMsg(grpA, alice, fmt.Sprintf("c%d", i), "c")}); err != nil {
				t.Errorf("concurrent Append: %v", err)
			}
		})
	}
	wg.Wait()
	if _, err := s.DeleteMessages(ctx, grpA, proto.ZeroUid, []store.Range{{Low: 2, Hi: 3}}); err != nil {
		t.Fatal(err)
	}
	mustSaveMarks(t, s, grpA, 4, devMark(alice, "phone", 20, 1))
	return res[0].CreatedAt
}

// checkHistory checks what writeHistory stored.
func checkHistory(t *testing.T, s store.Store, firstCreated time.Time) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.GetUser(ctx, alice); err != nil {
		t.Errorf("GetUser after reopen: %v", err)
	}
	if a, err := s.GetAuth(ctx, "basic:alice"); err != nil || a.UserID != alice {
		t.Errorf("GetAuth after reopen = %v, %v", a, err)
	}
	if k, err := s.GetOrCreateKey(ctx, "token", []byte("k2")); err != nil || string(k) != "k1" {
		t.Errorf("key after reopen = %q, %v; want k1", k, err)
	}
	top := mustGetTopic(t, s, grpA)
	if top.SeqID != 23 || top.DelID != 1 || top.Epoch != newTopic(grpA, alice).Epoch {
		t.Errorf("topic after reopen: SeqID %d, DelID %d, Epoch %d; want 23, 1, the original",
			top.SeqID, top.DelID, top.Epoch)
	}
	checkGapFree(t, s, grpA, 23)
	msgs, err := s.GetMessages(ctx, grpA, alice, store.MessageQuery{Before: 4})
	if err != nil || !slices.Equal(seqsOf(msgs), []int{3, 2, 1}) {
		t.Fatalf("first messages after reopen = %v, %v", seqsOf(msgs), err)
	}
	if msgs[1].DeletedAt.IsZero() || msgs[1].Content != nil || msgs[2].MsgID != "m1" {
		t.Errorf("messages after reopen lost their state: %+v", msgs)
	}
	checkTime(t, "first message's CreatedAt", msgs[2].CreatedAt, firstCreated)
	if sub := mustGetSub(t, s, grpA, bob); sub.RecvSeqID != 2 || sub.ReadSeqID != 2 {
		t.Errorf("bob's marks after reopen = %d/%d, want 2/2", sub.RecvSeqID, sub.ReadSeqID)
	}
	if got := deviceSeqs(t, s, grpA, map[string]int{"phone": 1}); !sameMarks(got, devMark(alice, "phone", 20, 0)) {
		t.Errorf("device marks after reopen = %+v, want alice's phone at 20", got)
	}
}

package storetest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testSubs(t *testing.T, open Opener) {
	t.Run("CreateGetDuplicate", func(t *testing.T) { testCreateGetSub(t, open) })
	t.Run("TopicSubsByUser", func(t *testing.T) { testTopicSubsOrder(t, open) })
	t.Run("UserTopicsByTouched", func(t *testing.T) { testUserTopics(t, open) })
	t.Run("UpdatePartial", func(t *testing.T) { testUpdateSub(t, open) })
	t.Run("UpdateMarks", func(t *testing.T) { testUpdateMarks(t, open) })
	t.Run("Delete", func(t *testing.T) { testDeleteSub(t, open) })
}

func checkSub(t *testing.T, got, want *store.Subscription) {
	t.Helper()
	if got.Topic != want.Topic || got.User != want.User {
		t.Errorf("subscription %s/%v, want %s/%v", got.Topic, got.User, want.Topic, want.User)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	if got.ModeWant != want.ModeWant || got.ModeGiven != want.ModeGiven {
		t.Errorf("modes = %v/%v, want %v/%v", got.ModeWant, got.ModeGiven, want.ModeWant, want.ModeGiven)
	}
	if !jsonEqual(got.Private, want.Private) {
		t.Errorf("Private = %s, want %s", got.Private, want.Private)
	}
	if got.RecvSeqID != want.RecvSeqID || got.ReadSeqID != want.ReadSeqID {
		t.Errorf("recv/read = %d/%d, want %d/%d", got.RecvSeqID, got.ReadSeqID, want.RecvSeqID, want.ReadSeqID)
	}
}

func testCreateGetSub(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	mustCreateTopic(t, s, grpA, alice)
	want := newSub(grpA, carol)
	want.ModeWant, want.ModeGiven = proto.ModeCReadOnly, proto.ModeCPublic
	want.Private = json.RawMessage(`{"comment":"vip"}`)
	want.RecvSeqID, want.ReadSeqID = 4, 2
	if err := s.CreateSub(ctx, &want); err != nil {
		t.Fatalf("CreateSub: %v", err)
	}
	checkSub(t, mustGetSub(t, s, grpA, carol), &want)

	dup := newSub(grpA, carol)
	wantErr(t, "CreateSub of an existing subscription", s.CreateSub(ctx, &dup), store.ErrDuplicate)
	checkSub(t, mustGetSub(t, s, grpA, carol), &want)

	_, err := s.GetSub(ctx, grpA, bob)
	wantErr(t, "GetSub of another user", err, store.ErrNotFound)
	_, err = s.GetSub(ctx, grpB, carol)
	wantErr(t, "GetSub of another topic", err, store.ErrNotFound)
}

func testTopicSubsOrder(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, carol, dave)
	for _, u := range []proto.Uid{bob, alice} {
		sub := newSub(grpA, u)
		if err := s.CreateSub(t.Context(), &sub); err != nil {
			t.Fatal(err)
		}
	}
	mustCreateTopic(t, s, grpB, bob)
	subs, err := s.TopicSubs(t.Context(), grpA)
	if err != nil {
		t.Fatalf("TopicSubs: %v", err)
	}
	if got, want := subUsers(subs), []proto.Uid{alice, bob, dave, carol}; !slices.Equal(got, want) {
		t.Errorf("TopicSubs users = %v, want %v", got, want)
	}
	for _, sub := range subs {
		if sub.Topic != grpA {
			t.Errorf("TopicSubs returned a subscription to %s", sub.Topic)
		}
	}
	if subs, err := s.TopicSubs(t.Context(), grpC); err != nil || len(subs) != 0 {
		t.Errorf("TopicSubs of an unknown topic = %v, %v; want none", subUsers(subs), err)
	}
}

func testUserTopics(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	mustCreateTopic(t, s, grpB, alice, bob)
	mustCreateTopic(t, s, grpC, alice)
	// Touch B, then C, then A: A is the most recent.
	for i, name := range []string{grpB, grpC, grpA} {
		m := textMsg(name, bob, "", "ping")
		m.CreatedAt = at(10 * (i + 1))
		mustAppend(t, s, m)
	}
	uts, err := s.UserTopics(t.Context(), alice)
	if err != nil {
		t.Fatalf("UserTopics: %v", err)
	}
	var names []string
	for _, ut := range uts {
		names = append(names, ut.Topic.Name)
		if ut.Sub.Topic != ut.Topic.Name || ut.Sub.User != alice {
			t.Errorf("entry pairs subscription %s/%v with topic %s", ut.Sub.Topic, ut.Sub.User, ut.Topic.Name)
		}
		if ut.Topic.SeqID != 1 || ut.Topic.Epoch != newTopic(grpA, alice).Epoch {
			t.Errorf("topic %s: SeqID %d, Epoch %d; want the stored topic", ut.Topic.Name, ut.Topic.SeqID, ut.Topic.Epoch)
		}
	}
	if want := []string{grpA, grpC, grpB}; !slices.Equal(names, want) {
		t.Errorf("UserTopics order = %v, want %v", names, want)
	}
	checkTime(t, "touched time of "+grpA, uts[0].Topic.TouchedAt, at(30))

	uts, err = s.UserTopics(t.Context(), bob)
	if err != nil || len(uts) != 1 || uts[0].Topic.Name != grpB {
		t.Errorf("bob's topics = %d entries, %v; want only %s", len(uts), err, grpB)
	}
	if uts, err := s.UserTopics(t.Context(), carol); err != nil || len(uts) != 0 {
		t.Errorf("carol's topics = %d entries, %v; want none", len(uts), err)
	}
}

func testUpdateSub(t *testing.T, open Opener) {
	ro, full := proto.ModeCReadOnly, proto.ModeCFull
	cases := []struct {
		name  string
		upd   store.SubUpdate
		apply func(*store.Subscription)
	}{
		{"nothing", store.SubUpdate{}, func(*store.Subscription) {}},
		{"updated at", store.SubUpdate{UpdatedAt: at(8)}, func(s *store.Subscription) { s.UpdatedAt = at(8) }},
		{"want", store.SubUpdate{ModeWant: &ro}, func(s *store.Subscription) { s.ModeWant = ro }},
		{"given", store.SubUpdate{ModeGiven: &full}, func(s *store.Subscription) { s.ModeGiven = full }},
		{"private", store.SubUpdate{Private: json.RawMessage(`"note"`)},
			func(s *store.Subscription) { s.Private = json.RawMessage(`"note"`) }},
		{"several", store.SubUpdate{UpdatedAt: at(9), ModeWant: &ro, ModeGiven: &full},
			func(s *store.Subscription) { s.UpdatedAt, s.ModeWant, s.ModeGiven = at(9), ro, full }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh(t, open)
			orig := newSub(grpA, bob)
			orig.Private = json.RawMessage(`{"p":1}`)
			orig.RecvSeqID, orig.ReadSeqID = 3, 1
			if err := s.CreateTopic(t.Context(), newTopic(grpA, bob), []store.Subscription{orig}); err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateSub(t.Context(), grpA, bob, tc.upd); err != nil {
				t.Fatalf("UpdateSub: %v", err)
			}
			want := orig
			tc.apply(&want)
			checkSub(t, mustGetSub(t, s, grpA, bob), &want)
		})
	}
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	err := s.UpdateSub(t.Context(), grpA, bob, store.SubUpdate{ModeWant: &ro})
	wantErr(t, "UpdateSub of a missing subscription", err, store.ErrNotFound)
}

func testUpdateMarks(t *testing.T, open Opener) {
	// The subscription starts at recv 5, read 3.
	cases := []struct {
		name               string
		recv, read         int
		wantRecv, wantRead int
	}{
		{"raise both", 7, 6, 7, 6},
		{"both stale", 4, 2, 5, 3},
		{"both equal", 5, 3, 5, 3},
		{"zeros", 0, 0, 5, 3},
		{"read above recv lifts recv", 0, 9, 9, 9},
		{"recv only", 8, 0, 8, 3},
		{"stale recv, new read", 2, 4, 5, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh(t, open)
			sub := newSub(grpA, bob)
			sub.RecvSeqID, sub.ReadSeqID = 5, 3
			if err := s.CreateTopic(t.Context(), newTopic(grpA, bob), []store.Subscription{sub}); err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateMarks(t.Context(), grpA, bob, tc.recv, tc.read); err != nil {
				t.Fatalf("UpdateMarks: %v", err)
			}
			got := mustGetSub(t, s, grpA, bob)
			if got.RecvSeqID != tc.wantRecv || got.ReadSeqID != tc.wantRead {
				t.Errorf("recv/read = %d/%d, want %d/%d", got.RecvSeqID, got.ReadSeqID, tc.wantRecv, tc.wantRead)
			}
		})
	}
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	wantErr(t, "UpdateMarks of a missing subscription", s.UpdateMarks(t.Context(), grpA, bob, 1, 1), store.ErrNotFound)
}

func testDeleteSub(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	mustCreateTopic(t, s, grpA, alice, bob)
	if err := s.DeleteSub(ctx, grpA, bob); err != nil {
		t.Fatalf("DeleteSub: %v", err)
	}
	_, err := s.GetSub(ctx, grpA, bob)
	wantErr(t, "GetSub after DeleteSub", err, store.ErrNotFound)
	wantErr(t, "second DeleteSub", s.DeleteSub(ctx, grpA, bob), store.ErrNotFound)
	wantErr(t, "DeleteSub on an unknown topic", s.DeleteSub(ctx, grpB, alice), store.ErrNotFound)
	if uts, err := s.UserTopics(ctx, bob); err != nil || len(uts) != 0 {
		t.Errorf("bob's topics after DeleteSub = %d, %v; want none", len(uts), err)
	}
	mustGetSub(t, s, grpA, alice) // the other subscription stays
	mustGetTopic(t, s, grpA)
}

package storetest

import (
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testTopics(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) { testCreateGetTopic(t, open) })
	t.Run("DuplicateLeavesNoSubs", func(t *testing.T) { testDuplicateTopic(t, open) })
	t.Run("FailedSubUndoesTopic", func(t *testing.T) { testCreateTopicAtomic(t, open) })
	t.Run("NotFound", func(t *testing.T) { testTopicNotFound(t, open) })
	t.Run("UpdatePartial", func(t *testing.T) { testUpdateTopic(t, open) })
	t.Run("Delete", func(t *testing.T) { testDeleteTopic(t, open) })
}

func checkTopic(t *testing.T, got, want *store.Topic) {
	t.Helper()
	if got.Name != want.Name || got.Owner != want.Owner || got.Access != want.Access {
		t.Errorf("topic = %s owner %v access %+v, want %s owner %v access %+v",
			got.Name, got.Owner, got.Access, want.Name, want.Owner, want.Access)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	checkTime(t, "TouchedAt", got.TouchedAt, want.TouchedAt)
	if got.SeqID != want.SeqID || got.DelID != want.DelID || got.Epoch != want.Epoch {
		t.Errorf("SeqID, DelID, Epoch = %d, %d, %d, want %d, %d, %d",
			got.SeqID, got.DelID, got.Epoch, want.SeqID, want.DelID, want.Epoch)
	}
	if !jsonEqual(got.Public, want.Public) || !jsonEqual(got.Trusted, want.Trusted) {
		t.Errorf("Public, Trusted = %s, %s, want %s, %s", got.Public, got.Trusted, want.Public, want.Trusted)
	}
	if !sameTags(got.Tags, want.Tags) {
		t.Errorf("Tags = %q, want %q", got.Tags, want.Tags)
	}
}

// subUsers lists the users of subs in order.
func subUsers(subs []store.Subscription) []proto.Uid {
	users := make([]proto.Uid, 0, len(subs))
	for _, s := range subs {
		users = append(users, s.User)
	}
	return users
}

func testCreateGetTopic(t *testing.T, open Opener) {
	s := fresh(t, open)
	want := newTopic(grpA, alice)
	want.Trusted = json.RawMessage(`{"verified":true}`)
	want.Tags = []string{"support", "en"}
	subs := []store.Subscription{newSub(grpA, alice), newSub(grpA, bob)}
	if err := s.CreateTopic(t.Context(), want, subs); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	checkTopic(t, mustGetTopic(t, s, grpA), want) // SeqID and DelID start at 0
	got, err := s.TopicSubs(t.Context(), grpA)
	if err != nil {
		t.Fatal(err)
	}
	if users := subUsers(got); len(users) != 2 || users[0] != alice || users[1] != bob {
		t.Errorf("subscribers = %v, want [alice bob]", users)
	}
}

func testDuplicateTopic(t *testing.T, open Opener) {
	s := fresh(t, open)
	mustCreateTopic(t, s, grpA, alice)
	again := newTopic(grpA, bob)
	again.Epoch = 42
	err := s.CreateTopic(t.Context(), again, []store.Subscription{newSub(grpA, bob), newSub(grpA, carol)})
	wantErr(t, "CreateTopic with a taken name", err, store.ErrDuplicate)
	checkTopic(t, mustGetTopic(t, s, grpA), newTopic(grpA, alice))
	subs, err := s.TopicSubs(t.Context(), grpA)
	if err != nil {
		t.Fatal(err)
	}
	if users := subUsers(subs); len(users) != 1 || users[0] != alice {
		t.Errorf("subscribers after rejected create = %v, want [alice]", users)
	}
}

func testCreateTopicAtomic(t *testing.T, open Opener) {
	s := fresh(t, open)
	subs := []store.Subscription{newSub(grpA, alice), newSub(grpA, alice)}
	err := s.CreateTopic(t.Context(), newTopic(grpA, alice), subs)
	wantErr(t, "CreateTopic with a repeated subscriber", err, store.ErrDuplicate)
	_, err = s.GetTopic(t.Context(), grpA)
	wantErr(t, "GetTopic after the failed create", err, store.ErrNotFound)
	_, err = s.GetSub(t.Context(), grpA, alice)
	wantErr(t, "GetSub after the failed create", err, store.ErrNotFound)
	mustCreateTopic(t, s, grpA, alice) // the name is still free
}

func testTopicNotFound(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	_, err := s.GetTopic(ctx, grpA)
	wantErr(t, "GetTopic", err, store.ErrNotFound)
	err = s.UpdateTopic(ctx, grpA, store.TopicUpdate{UpdatedAt: at(5)})
	wantErr(t, "UpdateTopic", err, store.ErrNotFound)
	err = s.UpdateTopic(ctx, grpA, store.TopicUpdate{})
	wantErr(t, "empty UpdateTopic", err, store.ErrNotFound)
	err = s.DeleteTopic(ctx, grpA)
	wantErr(t, "DeleteTopic", err, store.ErrNotFound)
}

func testUpdateTopic(t *testing.T, open Opener) {
	owner := carol
	acc := store.DefaultAccess{Auth: proto.ModeCReadOnly, Anon: proto.ModeJoin}
	cases := []struct {
		name  string
		upd   store.TopicUpdate
		apply func(*store.Topic)
	}{
		{"nothing", store.TopicUpdate{}, func(*store.Topic) {}},
		{"updated at", store.TopicUpdate{UpdatedAt: at(9)}, func(tp *store.Topic) { tp.UpdatedAt = at(9) }},
		{"owner", store.TopicUpdate{Owner: &owner}, func(tp *store.Topic) { tp.Owner = carol }},
		{"access", store.TopicUpdate{Access: &acc}, func(tp *store.Topic) { tp.Access = acc }},
		{"public", store.TopicUpdate{Public: json.RawMessage(`"renamed"`)},
			func(tp *store.Topic) { tp.Public = json.RawMessage(`"renamed"`) }},
		{"trusted", store.TopicUpdate{Trusted: json.RawMessage(`{"v":1}`)},
			func(tp *store.Topic) { tp.Trusted = json.RawMessage(`{"v":1}`) }},
		{"tags", store.TopicUpdate{Tags: []string{"billing"}},
			func(tp *store.Topic) { tp.Tags = []string{"billing"} }},
		{"several", store.TopicUpdate{UpdatedAt: at(7), Owner: &owner, Tags: []string{}},
			func(tp *store.Topic) { tp.UpdatedAt, tp.Owner, tp.Tags = at(7), carol, nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh(t, open)
			orig := newTopic(grpA, alice)
			orig.Tags = []string{"support"}
			if err := s.CreateTopic(t.Context(), orig, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateTopic(t.Context(), grpA, tc.upd); err != nil {
				t.Fatalf("UpdateTopic: %v", err)
			}
			want := newTopic(grpA, alice)
			want.Tags = []string{"support"}
			tc.apply(want)
			checkTopic(t, mustGetTopic(t, s, grpA), want)
		})
	}
}

func testDeleteTopic(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	mustCreateTopic(t, s, grpA, alice, bob)
	mustCreateTopic(t, s, grpB, alice)
	mustAppend(t, s, textMsg(grpA, alice, "a1", "hi"), textMsg(grpA, bob, "a2", "yo"), textMsg(grpB, alice, "b1", "x"))
	if _, err := s.DeleteMessages(ctx, grpA, 0, []store.Range{{Low: 1, Hi: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTopic(ctx, grpA); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}

	_, err := s.GetTopic(ctx, grpA)
	wantErr(t, "GetTopic after delete", err, store.ErrNotFound)
	_, err = s.GetSub(ctx, grpA, bob)
	wantErr(t, "GetSub after delete", err, store.ErrNotFound)
	_, err = s.MessageByMsgID(ctx, grpA, "a2")
	wantErr(t, "MessageByMsgID after delete", err, store.ErrNotFound)
	if uts, err := s.UserTopics(ctx, alice); err != nil || len(uts) != 1 || uts[0].Topic.Name != grpB {
		t.Errorf("alice's topics after delete = %d, %v; want only %s", len(uts), err, grpB)
	}

	// A topic created again under the name starts from scratch.
	mustCreateTopic(t, s, grpA, carol)
	if subs, err := s.TopicSubs(ctx, grpA); err != nil || len(subs) != 1 || subs[0].User != carol {
		t.Errorf("subscribers of the new topic = %v, %v; want [carol]", subUsers(subs), err)
	}
	if msgs, err := s.GetMessages(ctx, grpA, carol, store.MessageQuery{}); err != nil || len(msgs) != 0 {
		t.Errorf("messages of the new topic = %v, %v; want none", seqsOf(msgs), err)
	}
	if rs, id, err := s.DeletionLog(ctx, grpA, carol, 0, 0); err != nil || rs != nil || id != 0 {
		t.Errorf("deletion log of the new topic = %v, %d, %v; want nil, 0, nil", rs, id, err)
	}
	if res := mustAppend(t, s, textMsg(grpA, carol, "a1", "again")); res[0].SeqID != 1 || res[0].Duplicate {
		t.Errorf("first append to the new topic = %+v, want seq 1, not a duplicate", res[0])
	}
	if id, err := s.DeleteMessages(ctx, grpA, carol, []store.Range{{Low: 1, Hi: 2}}); err != nil || id != 1 {
		t.Errorf("first delete id of the new topic = %d, %v; want 1", id, err)
	}
	if top := mustGetTopic(t, s, grpB); top.SeqID != 1 {
		t.Errorf("other topic's SeqID = %d, want 1", top.SeqID)
	}
}

package storetest

import (
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testSearch(t *testing.T, open Opener) {
	t.Run("UsersAndTopics", func(t *testing.T) { testFindUsersAndTopics(t, open) })
	t.Run("Ranking", func(t *testing.T) { testFindRanking(t, open) })
	t.Run("FollowsUpdates", func(t *testing.T) { testFindFollowsUpdates(t, open) })
	t.Run("AuthKeys", func(t *testing.T) { testFindAuthKeys(t, open) })
	t.Run("PrivateAuthKeys", func(t *testing.T) { testFindSkipsPrivateAuthKeys(t, open) })
}

func testAuths(t *testing.T, open Opener) {
	t.Run("UserAuth", func(t *testing.T) { testUserAuth(t, open) })
	t.Run("Rename", func(t *testing.T) { testRenameAuth(t, open) })
	t.Run("RenameTaken", func(t *testing.T) { testRenameTaken(t, open) })
}

// taggedUser creates a user with the tags and no auth record.
func taggedUser(t *testing.T, s store.Store, id proto.Uid, tags ...string) {
	t.Helper()
	u := newUser(id)
	u.Tags = tags
	if err := s.CreateUser(t.Context(), u, nil); err != nil {
		t.Fatalf("CreateUser(%v): %v", id, err)
	}
}

// find runs FindByTags and fails the test on error.
func find(t *testing.T, s store.Store, limit int, tags ...string) []store.TagMatch {
	t.Helper()
	got, err := s.FindByTags(t.Context(), tags, limit)
	if err != nil {
		t.Fatalf("FindByTags(%q): %v", tags, err)
	}
	return got
}

// owners names the matches: user ids as strings, topics by name.
func owners(ms []store.TagMatch) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.Topic != "" {
			out = append(out, m.Topic)
		} else {
			out = append(out, m.User.String())
		}
	}
	return out
}

func testFindUsersAndTopics(t *testing.T, open Opener) {
	s := fresh(t, open)
	taggedUser(t, s, alice, "support", "english")
	taggedUser(t, s, carol, "support", "french")
	taggedUser(t, s, bob, "sales")
	top := newTopic(grpA, alice)
	top.Tags = []string{"support", "help"}
	if err := s.CreateTopic(t.Context(), top, []store.Subscription{newSub(grpA, alice)}); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	got := find(t, s, 10, "SUPPORT")
	// Equal rank: users by unsigned id (carol's high bit puts her last),
	// topics (user zero) before them.
	want := []string{grpA, alice.String(), carol.String()}
	if !slices.Equal(owners(got), want) {
		t.Fatalf("FindByTags(SUPPORT) = %v, want %v", owners(got), want)
	}
	for _, m := range got {
		if !slices.Equal(m.Tags, []string{"support"}) {
			t.Errorf("match %v: tags %q, want [support]", owners([]store.TagMatch{m}), m.Tags)
		}
	}
	if got := find(t, s, 10, "nobody"); len(got) != 0 {
		t.Errorf("FindByTags(nobody) = %v, want none", owners(got))
	}
	if got := find(t, s, 10); len(got) != 0 {
		t.Errorf("FindByTags() = %v, want none", owners(got))
	}
	if got := find(t, s, 2, "support"); len(got) != 2 {
		t.Errorf("limit 2: got %d matches", len(got))
	}
}

func testFindRanking(t *testing.T, open Opener) {
	s := fresh(t, open)
	taggedUser(t, s, alice, "support")
	taggedUser(t, s, carol, "support", "french", "night")
	taggedUser(t, s, bob, "french", "support")
	got := find(t, s, 10, "support", "french", "night")
	want := []string{carol.String(), bob.String(), alice.String()}
	if !slices.Equal(owners(got), want) {
		t.Fatalf("ranking = %v, want %v", owners(got), want)
	}
	if !slices.Equal(got[0].Tags, []string{"french", "night", "support"}) {
		t.Errorf("carol's matched tags = %q, want sorted [french night support]", got[0].Tags)
	}
}

func testFindFollowsUpdates(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	taggedUser(t, s, alice, "old")
	mustCreateTopic(t, s, grpA, alice)
	if err := s.UpdateUser(ctx, alice, store.UserUpdate{UpdatedAt: at(5), Tags: []string{"new"}}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if err := s.UpdateTopic(ctx, grpA, store.TopicUpdate{UpdatedAt: at(5), Tags: []string{"new"}}); err != nil {
		t.Fatalf("UpdateTopic: %v", err)
	}
	if got := find(t, s, 10, "old"); len(got) != 0 {
		t.Errorf("old tag still matches %v", owners(got))
	}
	if got := owners(find(t, s, 10, "new")); !slices.Equal(got, []string{grpA, alice.String()}) {
		t.Errorf("new tag matches %v, want [%s %s]", got, grpA, alice)
	}
	// An update without tags leaves them; an empty list clears them.
	if err := s.UpdateUser(ctx, alice, store.UserUpdate{UpdatedAt: at(6), Public: []byte(`{"fn":"A"}`)}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if got := find(t, s, 10, "new"); len(got) != 2 {
		t.Errorf("after an update without tags: %v", owners(got))
	}
	if err := s.UpdateUser(ctx, alice, store.UserUpdate{UpdatedAt: at(7), Tags: []string{}}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if err := s.DeleteTopic(ctx, grpA); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	if got := find(t, s, 10, "new"); len(got) != 0 {
		t.Errorf("cleared and deleted owners still match: %v", owners(got))
	}
	// Updating a user that does not exist indexes nothing.
	err := s.UpdateUser(ctx, dave, store.UserUpdate{UpdatedAt: at(8), Tags: []string{"ghost"}})
	wantErr(t, "UpdateUser(unknown)", err, store.ErrNotFound)
	if got := find(t, s, 10, "ghost"); len(got) != 0 {
		t.Errorf("unknown user indexed: %v", owners(got))
	}
}

func testFindAuthKeys(t *testing.T, open Opener) {
	s := fresh(t, open)
	u := newUser(alice)
	u.Tags = nil
	if err := s.CreateUser(t.Context(), u, newAuth("basic:alice", alice)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got := find(t, s, 10, "basic:alice")
	if len(got) != 1 || got[0].User != alice || got[0].Topic != "" || !slices.Equal(got[0].Tags, []string{"basic:alice"}) {
		t.Fatalf("FindByTags(basic:alice) = %+v, want alice by her login", got)
	}
}

func testUserAuth(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	if err := s.CreateUser(ctx, newUser(alice), newAuth("basic:alice", alice)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	rec, err := s.UserAuth(ctx, alice, "basic")
	if err != nil {
		t.Fatalf("UserAuth: %v", err)
	}
	if rec.Unique != "basic:alice" || rec.UserID != alice || string(rec.Secret) != string(newAuth("", 0).Secret) {
		t.Errorf("UserAuth = %+v", rec)
	}
	_, err = s.UserAuth(ctx, alice, "token")
	wantErr(t, "UserAuth(other scheme)", err, store.ErrNotFound)
	_, err = s.UserAuth(ctx, bob, "basic")
	wantErr(t, "UserAuth(unknown user)", err, store.ErrNotFound)
}

func testRenameAuth(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	if err := s.CreateUser(ctx, newUser(alice), newAuth("basic:alice", alice)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	rec := newAuth("basic:alicia", alice)
	rec.Secret = []byte("new hash")
	if err := s.UpdateAuth(ctx, "basic:alice", rec); err != nil {
		t.Fatalf("UpdateAuth: %v", err)
	}
	_, err := s.GetAuth(ctx, "basic:alice")
	wantErr(t, "GetAuth(old key)", err, store.ErrNotFound)
	got, err := s.GetAuth(ctx, "basic:alicia")
	if err != nil || got.UserID != alice || string(got.Secret) != "new hash" {
		t.Fatalf("GetAuth(new key) = %+v, %v", got, err)
	}
	if got := owners(find(t, s, 10, "basic:alicia", "basic:alice")); !slices.Equal(got, []string{alice.String()}) {
		t.Errorf("search by logins after rename = %v", got)
	}
	err = s.UpdateAuth(ctx, "basic:nobody", newAuth("basic:x", alice))
	wantErr(t, "UpdateAuth(unknown key)", err, store.ErrNotFound)
}

func testRenameTaken(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	for _, u := range []struct {
		id    proto.Uid
		login string
	}{{alice, "basic:alice"}, {bob, "basic:bob"}} {
		if err := s.CreateUser(ctx, newUser(u.id), newAuth(u.login, u.id)); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	err := s.UpdateAuth(ctx, "basic:alice", newAuth("basic:bob", alice))
	wantErr(t, "UpdateAuth(taken key)", err, store.ErrDuplicate)
	if got, err := s.GetAuth(ctx, "basic:alice"); err != nil || got.UserID != alice {
		t.Errorf("old record after a failed rename: %+v, %v", got, err)
	}
}

// testFindSkipsPrivateAuthKeys: only basic logins are searchable; the key
// of another scheme (a shop's customer id, "jwt:…") never matches.
func testFindSkipsPrivateAuthKeys(t *testing.T, open Opener) {
	s := fresh(t, open)
	rec := newAuth("jwt:cust-1", alice)
	rec.Scheme = "jwt"
	if err := s.CreateUser(t.Context(), newUser(alice), rec); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if got := find(t, s, 10, "jwt:cust-1"); len(got) != 0 {
		t.Errorf("a jwt key matched %v", owners(got))
	}
}

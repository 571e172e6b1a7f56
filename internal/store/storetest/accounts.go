package storetest

import (
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// testAccounts covers the account lifecycle: token revocation with a
// password change, and soft deletion.
func testAccounts(t *testing.T, open Opener) {
	t.Run("RevokeTokens", func(t *testing.T) { testRevokeTokens(t, open) })
	t.Run("RevokeUnknown", func(t *testing.T) { testRevokeUnknown(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUser(t, open) })
	t.Run("DeleteUserKeepsHistory", func(t *testing.T) { testDeleteKeepsHistory(t, open) })
}

func testRevokeTokens(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	if err := s.CreateUser(ctx, newUser(alice), newAuth("basic:alice", alice)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u, err := s.GetUser(ctx, alice); err != nil || u.TokenGen != 0 {
		t.Fatalf("new user's TokenGen = %+v, %v; want 0", u, err)
	}
	for want := 1; want <= 2; want++ {
		rec := newAuth("basic:alice", alice)
		rec.Secret = []byte("hash " + string(rune('0'+want)))
		gen, err := s.UpdateAuthRevoking(ctx, "basic:alice", rec)
		if err != nil || gen != want {
			t.Fatalf("UpdateAuthRevoking #%d = %d, %v", want, gen, err)
		}
		if u, err := s.GetUser(ctx, alice); err != nil || u.TokenGen != want {
			t.Errorf("TokenGen after revoking #%d = %+v, %v", want, u, err)
		}
		if got, err := s.GetAuth(ctx, "basic:alice"); err != nil || string(got.Secret) != string(rec.Secret) {
			t.Errorf("secret after revoking #%d = %+v, %v", want, got, err)
		}
	}
	// A plain update (a rename) leaves the generation alone, and so does
	// an update of the user record.
	if err := s.UpdateAuth(ctx, "basic:alice", newAuth("basic:alicia", alice)); err != nil {
		t.Fatalf("UpdateAuth: %v", err)
	}
	if err := s.UpdateUser(ctx, alice, store.UserUpdate{UpdatedAt: at(9), Tags: []string{"x1"}}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if u, err := s.GetUser(ctx, alice); err != nil || u.TokenGen != 2 {
		t.Errorf("TokenGen after rename and update = %+v, %v; want 2", u, err)
	}
}

func testRevokeUnknown(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	for _, u := range []struct {
		id    store.User
		login string
	}{{*newUser(alice), "basic:alice"}, {*newUser(bob), "basic:bob"}} {
		if err := s.CreateUser(ctx, &u.id, newAuth(u.login, u.id.ID)); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	_, err := s.UpdateAuthRevoking(ctx, "basic:nobody", newAuth("basic:x", alice))
	wantErr(t, "UpdateAuthRevoking(unknown key)", err, store.ErrNotFound)
	_, err = s.UpdateAuthRevoking(ctx, "basic:alice", newAuth("basic:bob", alice))
	wantErr(t, "UpdateAuthRevoking(taken key)", err, store.ErrDuplicate)
	// The failed calls changed nothing: no half-done revocation.
	if u, err := s.GetUser(ctx, alice); err != nil || u.TokenGen != 0 {
		t.Errorf("TokenGen after failed revocations = %+v, %v; want 0", u, err)
	}
	if got, err := s.GetAuth(ctx, "basic:alice"); err != nil || got.UserID != alice {
		t.Errorf("record after a failed revocation: %+v, %v", got, err)
	}
}

func testDeleteUser(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	u := newUser(carol)
	u.Tags = []string{"support"}
	if err := s.CreateUser(ctx, u, newAuth("basic:carol", carol)); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := s.DeleteUser(ctx, carol, at(50)); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err := s.GetUser(ctx, carol)
	wantErr(t, "GetUser(deleted)", err, store.ErrNotFound)
	_, err = s.GetAuth(ctx, "basic:carol")
	wantErr(t, "GetAuth(deleted user's login)", err, store.ErrNotFound)
	_, err = s.UserAuth(ctx, carol, "basic")
	wantErr(t, "UserAuth(deleted)", err, store.ErrNotFound)
	if got := find(t, s, 10, "support", "basic:carol"); len(got) != 0 {
		t.Errorf("search finds the deleted user: %+v", got)
	}
	err = s.DeleteUser(ctx, carol, at(51))
	wantErr(t, "DeleteUser twice", err, store.ErrNotFound)
	err = s.DeleteUser(ctx, dave, at(51))
	wantErr(t, "DeleteUser(unknown)", err, store.ErrNotFound)
	// The id is never reused; the login is free for someone else.
	err = s.CreateUser(ctx, newUser(carol), nil)
	wantErr(t, "CreateUser(deleted id)", err, store.ErrDuplicate)
	if err := s.CreateUser(ctx, newUser(dave), newAuth("basic:carol", dave)); err != nil {
		t.Fatalf("CreateUser with the deleted user's login: %v", err)
	}
	if got, err := s.GetAuth(ctx, "basic:carol"); err != nil || got.UserID != dave {
		t.Errorf("login after reuse = %+v, %v", got, err)
	}
}

func testDeleteKeepsHistory(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	for _, id := range []store.User{*newUser(alice), *newUser(bob)} {
		if err := s.CreateUser(ctx, &id, nil); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	mustCreateTopic(t, s, grpA, alice, bob)
	mustAppend(t, s, textMsg(grpA, bob, "", "from bob"), textMsg(grpA, alice, "", "from alice"))
	if err := s.DeleteUser(ctx, bob, at(5)); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	msgs, err := s.GetMessages(ctx, grpA, alice, store.MessageQuery{Limit: 10})
	if err != nil || !slices.Equal(seqsOf(msgs), []int{2, 1}) || msgs[1].From != bob {
		t.Fatalf("history after the sender's deletion = %+v, %v", msgs, err)
	}
	// Memberships are the hub's to remove, through the topics.
	if sub := mustGetSub(t, s, grpA, bob); sub.User != bob {
		t.Errorf("subscription = %+v", sub)
	}
}

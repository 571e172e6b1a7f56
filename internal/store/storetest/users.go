package storetest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func testUsers(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) { testCreateGetUser(t, open) })
	t.Run("DuplicateID", func(t *testing.T) { testDuplicateUserID(t, open) })
	t.Run("DuplicateAuthIsAtomic", func(t *testing.T) { testDuplicateAuth(t, open) })
	t.Run("NotFound", func(t *testing.T) { testUserNotFound(t, open) })
	t.Run("UpdatePartial", func(t *testing.T) { testUpdateUser(t, open) })
}

func newUser(id proto.Uid) *store.User {
	return &store.User{
		ID:        id,
		CreatedAt: at(0),
		UpdatedAt: at(1),
		Access:    store.DefaultAccess{Auth: proto.ModeCAuth, Anon: proto.ModeNone},
		Public:    json.RawMessage(`{"fn":"Alice"}`),
		Trusted:   json.RawMessage(`{"staff":true}`),
		Tags:      []string{"basic:alice", "email:alice@example.com"},
	}
}

func newAuth(unique string, id proto.Uid) *store.AuthRecord {
	return &store.AuthRecord{
		Unique:    unique,
		UserID:    id,
		Scheme:    "basic",
		AuthLevel: store.AuthAuth,
		Secret:    []byte("$2a$10$hash\x00\xff"),
		Expires:   at(3600),
	}
}

func checkUser(t *testing.T, got, want *store.User) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("ID = %v, want %v", got.ID, want.ID)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	if got.Access != want.Access {
		t.Errorf("Access = %+v, want %+v", got.Access, want.Access)
	}
	if !jsonEqual(got.Public, want.Public) {
		t.Errorf("Public = %s, want %s", got.Public, want.Public)
	}
	if !jsonEqual(got.Trusted, want.Trusted) {
		t.Errorf("Trusted = %s, want %s", got.Trusted, want.Trusted)
	}
	if !sameTags(got.Tags, want.Tags) {
		t.Errorf("Tags = %q, want %q", got.Tags, want.Tags)
	}
}

func testCreateGetUser(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	for _, id := range []proto.Uid{alice, carol} {
		u := newUser(id)
		if err := s.CreateUser(ctx, u, newAuth("basic:"+id.String(), id)); err != nil {
			t.Fatalf("CreateUser(%v): %v", id, err)
		}
		got, err := s.GetUser(ctx, id)
		if err != nil {
			t.Fatalf("GetUser(%v): %v", id, err)
		}
		checkUser(t, got, u)
	}
	if err := s.CreateUser(ctx, &store.User{ID: bob}, nil); err != nil {
		t.Fatalf("CreateUser without auth: %v", err)
	}
	got, err := s.GetUser(ctx, bob)
	if err != nil {
		t.Fatalf("GetUser(bob): %v", err)
	}
	checkUser(t, got, &store.User{ID: bob})

	want := newAuth("basic:"+carol.String(), carol)
	a, err := s.GetAuth(ctx, want.Unique)
	if err != nil {
		t.Fatalf("GetAuth: %v", err)
	}
	if a.Unique != want.Unique || a.UserID != carol || a.Scheme != want.Scheme ||
		a.AuthLevel != want.AuthLevel || !bytes.Equal(a.Secret, want.Secret) {
		t.Errorf("GetAuth = %+v, want %+v", a, want)
	}
	checkTime(t, "Expires", a.Expires, want.Expires)
}

func testDuplicateUserID(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	if err := s.CreateUser(ctx, newUser(alice), newAuth("basic:alice", alice)); err != nil {
		t.Fatal(err)
	}
	again := newUser(alice)
	again.Public = json.RawMessage(`{"fn":"Impostor"}`)
	err := s.CreateUser(ctx, again, newAuth("basic:other", alice))
	wantErr(t, "CreateUser with a taken id", err, store.ErrDuplicate)
	got, err := s.GetUser(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, got, newUser(alice))
	_, err = s.GetAuth(ctx, "basic:other")
	wantErr(t, "auth record of the rejected user", err, store.ErrNotFound)
}

func testDuplicateAuth(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	if err := s.CreateUser(ctx, newUser(alice), newAuth("basic:alice", alice)); err != nil {
		t.Fatal(err)
	}
	err := s.CreateUser(ctx, newUser(bob), newAuth("basic:alice", bob))
	wantErr(t, "CreateUser with a taken auth unique", err, store.ErrDuplicate)
	_, err = s.GetUser(ctx, bob)
	wantErr(t, "user whose auth record was rejected", err, store.ErrNotFound)
	a, err := s.GetAuth(ctx, "basic:alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != alice {
		t.Errorf("basic:alice belongs to %v, want alice", a.UserID)
	}
}

func testUserNotFound(t *testing.T, open Opener) {
	s := fresh(t, open)
	ctx := t.Context()
	_, err := s.GetUser(ctx, alice)
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = s.GetAuth(ctx, "basic:nobody")
	wantErr(t, "GetAuth", err, store.ErrNotFound)
	err = s.UpdateUser(ctx, alice, store.UserUpdate{Public: json.RawMessage(`{}`)})
	wantErr(t, "UpdateUser", err, store.ErrNotFound)
	err = s.UpdateUser(ctx, alice, store.UserUpdate{})
	wantErr(t, "empty UpdateUser", err, store.ErrNotFound)
}

func testUpdateUser(t *testing.T, open Opener) {
	readOnly := store.DefaultAccess{Auth: proto.ModeCReadOnly, Anon: proto.ModeJoin}
	cases := []struct {
		name  string
		upd   store.UserUpdate
		apply func(u *store.User)
	}{
		{"nothing", store.UserUpdate{}, func(*store.User) {}},
		{"updated at", store.UserUpdate{UpdatedAt: at(50)}, func(u *store.User) { u.UpdatedAt = at(50) }},
		{"access", store.UserUpdate{Access: &readOnly}, func(u *store.User) { u.Access = readOnly }},
		{"public", store.UserUpdate{Public: json.RawMessage(`{"fn":"Alice B."}`)},
			func(u *store.User) { u.Public = json.RawMessage(`{"fn":"Alice B."}`) }},
		{"trusted", store.UserUpdate{Trusted: json.RawMessage(`{"staff":false}`)},
			func(u *store.User) { u.Trusted = json.RawMessage(`{"staff":false}`) }},
		{"tags", store.UserUpdate{Tags: []string{"tel:+100"}},
			func(u *store.User) { u.Tags = []string{"tel:+100"} }},
		{"clear tags", store.UserUpdate{Tags: []string{}}, func(u *store.User) { u.Tags = nil }},
		{"several", store.UserUpdate{UpdatedAt: at(60), Access: &readOnly, Tags: []string{"a", "b"}},
			func(u *store.User) { u.UpdatedAt, u.Access, u.Tags = at(60), readOnly, []string{"a", "b"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh(t, open)
			if err := s.CreateUser(t.Context(), newUser(alice), nil); err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateUser(t.Context(), alice, tc.upd); err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			got, err := s.GetUser(t.Context(), alice)
			if err != nil {
				t.Fatal(err)
			}
			want := newUser(alice)
			tc.apply(want)
			checkUser(t, got, want)
		})
	}
}

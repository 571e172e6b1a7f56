package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// testStaff runs the tests of the Staff role, for stores that implement it
// (it is not part of store.Store, so a new adapter may add it later).
func testStaff(t *testing.T, open Opener) {
	if _, ok := fresh(t, open).(store.Staff); !ok {
		t.Skip("the store does not implement store.Staff")
	}
	t.Run("Teams", func(t *testing.T) { testTeams(t, open) })
	t.Run("SaveGet", func(t *testing.T) { testSaveStaff(t, open) })
	t.Run("RoleInTrusted", func(t *testing.T) { testRoleInTrusted(t, open) })
	t.Run("UnknownIsAtomic", func(t *testing.T) { testStaffUnknown(t, open) })
	t.Run("DisableRevokes", func(t *testing.T) { testStaffDisable(t, open) })
	t.Run("List", func(t *testing.T) { testListStaff(t, open) })
}

func freshStaff(t *testing.T, open Opener) (store.Store, store.Staff) {
	t.Helper()
	s := fresh(t, open)
	return s, s.(store.Staff)
}

func mustCreateUser(t *testing.T, s store.Store, id proto.Uid) {
	t.Helper()
	if err := s.CreateUser(context.Background(), newUser(id), nil); err != nil {
		t.Fatalf("CreateUser %v: %v", id, err)
	}
}

func mustTeams(t *testing.T, st store.Staff, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := st.CreateTeam(context.Background(), &store.Team{Name: n, CreatedAt: at(0),
			OnOffline: store.OnOfflineRequeue}); err != nil {
			t.Fatalf("CreateTeam %s: %v", n, err)
		}
	}
}

func testTeams(t *testing.T, open Opener) {
	ctx := context.Background()
	_, st := freshStaff(t, open)
	mustTeams(t, st, "sales", "billing")
	if err := st.CreateTeam(ctx, &store.Team{Name: "sales", OnOffline: store.OnOfflineKeep}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateTeam of a taken name: %v, want ErrDuplicate", err)
	}
	if err := st.UpdateTeam(ctx, &store.Team{Name: "sales", OnOffline: store.OnOfflineKeep}); err != nil {
		t.Fatalf("UpdateTeam: %v", err)
	}
	if err := st.UpdateTeam(ctx, &store.Team{Name: "nope", OnOffline: store.OnOfflineKeep}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTeam of an unknown team: %v, want ErrNotFound", err)
	}
	got, err := st.Teams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Team{{Name: "billing", CreatedAt: at(0), OnOffline: store.OnOfflineRequeue},
		{Name: "sales", CreatedAt: at(0), OnOffline: store.OnOfflineKeep}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Teams = %+v, want %+v", got, want)
	}
}

func testSaveStaff(t *testing.T, open Opener) {
	ctx := context.Background()
	s, st := freshStaff(t, open)
	mustCreateUser(t, s, alice)
	mustTeams(t, st, "sales", "billing")
	m := &store.StaffMember{User: alice, Role: store.RoleAgent, Capacity: 3,
		Teams: []string{"billing", "sales"}, UpdatedAt: at(5)}
	if err := st.SaveStaff(ctx, m); err != nil {
		t.Fatalf("SaveStaff: %v", err)
	}
	got, err := st.GetStaff(ctx, alice)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("GetStaff = %+v, %v; want %+v", got, err, m)
	}
	// A second save replaces role, capacity and teams.
	m2 := &store.StaffMember{User: alice, Role: store.RoleSupervisor, Capacity: 0, Teams: []string{"sales"}, UpdatedAt: at(6)}
	if err := st.SaveStaff(ctx, m2); err != nil {
		t.Fatalf("SaveStaff again: %v", err)
	}
	if got, err := st.GetStaff(ctx, alice); err != nil || !reflect.DeepEqual(got, m2) {
		t.Errorf("GetStaff after a change = %+v, %v; want %+v", got, err, m2)
	}
	if _, err := st.GetStaff(ctx, bob); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetStaff of a customer: %v, want ErrNotFound", err)
	}
}

func testRoleInTrusted(t *testing.T, open Opener) {
	ctx := context.Background()
	s, st := freshStaff(t, open)
	mustCreateUser(t, s, alice) // trusted {"staff":true}: a key set by someone else
	if err := st.SaveStaff(ctx, &store.StaffMember{User: alice, Role: store.RoleAgent, Capacity: 1}); err != nil {
		t.Fatal(err)
	}
	u, err := s.GetUser(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	var tr map[string]any
	if err := json.Unmarshal(u.Trusted, &tr); err != nil {
		t.Fatalf("trusted %s: %v", u.Trusted, err)
	}
	if want := map[string]any{"role": "agent", "staff": true}; !reflect.DeepEqual(tr, want) {
		t.Errorf("trusted = %v, want %v (the role added, other keys kept)", tr, want)
	}
}

func testStaffUnknown(t *testing.T, open Opener) {
	ctx := context.Background()
	s, st := freshStaff(t, open)
	mustCreateUser(t, s, alice)
	mustTeams(t, st, "sales")
	err := st.SaveStaff(ctx, &store.StaffMember{User: alice, Role: store.RoleAgent, Teams: []string{"sales", "ghost"}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SaveStaff with an unknown team: %v, want ErrNotFound", err)
	}
	if _, err := st.GetStaff(ctx, alice); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed SaveStaff left a record: %v", err)
	}
	if u, _ := s.GetUser(ctx, alice); u != nil && string(u.Trusted) != `{"staff":true}` {
		t.Errorf("a failed SaveStaff changed trusted to %s", u.Trusted)
	}
	if err := st.SaveStaff(ctx, &store.StaffMember{User: bob, Role: store.RoleAgent}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveStaff of an unknown user: %v, want ErrNotFound", err)
	}
	mustCreateUser(t, s, dave)
	if err := s.DeleteUser(ctx, dave, at(9)); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveStaff(ctx, &store.StaffMember{User: dave, Role: store.RoleAgent}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveStaff of a deleted user: %v, want ErrNotFound", err)
	}
}

func testStaffDisable(t *testing.T, open Opener) {
	ctx := context.Background()
	s, st := freshStaff(t, open)
	mustCreateUser(t, s, alice)
	gen := func() int {
		u, err := s.GetUser(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		return u.TokenGen
	}
	m := &store.StaffMember{User: alice, Role: store.RoleAgent, Capacity: 2}
	if err := st.SaveStaff(ctx, m); err != nil {
		t.Fatal(err)
	}
	g0 := gen()
	m.Disabled = true
	if err := st.SaveStaff(ctx, m); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g <= g0 {
		t.Errorf("disabling left the token generation at %d (was %d): old tokens still work", g, g0)
	}
	g1 := gen()
	if err := st.SaveStaff(ctx, m); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != g1 {
		t.Errorf("saving a disabled member again changed the generation %d → %d", g1, g)
	}
	if got, _ := st.GetStaff(ctx, alice); got == nil || !got.Disabled {
		t.Errorf("GetStaff = %+v, want disabled", got)
	}
}

func testListStaff(t *testing.T, open Opener) {
	ctx := context.Background()
	s, st := freshStaff(t, open)
	mustTeams(t, st, "sales", "billing")
	for _, u := range []proto.Uid{carol, alice, dave} {
		mustCreateUser(t, s, u)
		if err := st.SaveStaff(ctx, &store.StaffMember{User: u, Role: store.RoleAgent, Capacity: 1,
			Teams: []string{"billing", "sales"}}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := st.ListStaff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []proto.Uid
	for _, m := range list {
		ids = append(ids, m.User)
		if !reflect.DeepEqual(m.Teams, []string{"billing", "sales"}) {
			t.Errorf("%v teams %v", m.User, m.Teams)
		}
	}
	if want := []proto.Uid{alice, dave, carol}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListStaff order %v, want %v (by user id, unsigned)", ids, want)
	}
}

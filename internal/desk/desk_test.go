package desk_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// fixture is a directory over a real SQLite store, recording the sessions
// it closes and the users it reports changed.
type fixture struct {
	st      *sqlite.Store
	mu      sync.Mutex
	closed  []proto.Uid
	changed []proto.Uid
}

func newFixture(t *testing.T) *fixture {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{st: st}
}

func (f *fixture) open(t *testing.T) *desk.Desk {
	t.Helper()
	d, err := desk.New(context.Background(), desk.Deps{Users: f.st, Staff: f.st,
		Hash: func(_ context.Context, p string) ([]byte, error) { return []byte("hash:" + p), nil },
		CloseUser: func(uid proto.Uid, dc proto.Disconnect) {
			f.mu.Lock()
			f.closed = append(f.closed, uid)
			f.mu.Unlock()
		},
		UserChanged: func(uid proto.Uid) {
			f.mu.Lock()
			f.changed = append(f.changed, uid)
			f.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRolesAndReload(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := f.open(t)
	if _, err := d.AddTeam(ctx, "sales", ""); err != nil {
		t.Fatal(err)
	}
	m, err := d.AddStaff(ctx, desk.NewStaff{Login: "Ann", Password: "pass123", Role: store.RoleAgent,
		Teams: []string{"sales", "sales"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Login != "ann" || m.Capacity != desk.DefaultCapacity || len(m.Teams) != 1 {
		t.Errorf("AddStaff = %+v: want the normalized login, the default capacity, teams once", m)
	}
	uid := proto.ParseUserID(m.User)
	if r := d.Role(uid); r != store.RoleAgent {
		t.Errorf("Role = %q", r)
	}
	if r := d.Role(12345); r != store.RoleCustomer {
		t.Errorf("Role of a stranger = %q, want customer", r)
	}
	// Disabling closes the sessions once; saving it disabled again does not.
	on := true
	for range 2 {
		if _, err := d.ChangeStaff(ctx, "ann", desk.Change{Disabled: &on}); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.closed) != 1 || f.closed[0] != uid {
		t.Errorf("closed %v, want %v once", f.closed, uid)
	}
	if len(f.changed) != 3 {
		t.Errorf("UserChanged called %d times, want 3 (every save)", len(f.changed))
	}
	// A new directory over the same store knows everything.
	d2 := f.open(t)
	if !d2.Disabled(uid) || d2.Role(uid) != store.RoleAgent {
		t.Errorf("after reload: disabled %v role %q", d2.Disabled(uid), d2.Role(uid))
	}
	if _, ok := d2.Team("sales"); !ok {
		t.Error("team lost on reload")
	}
	// Demoting to customer keeps the record but the role is customer.
	cust := store.RoleCustomer
	if _, err := d2.ChangeStaff(ctx, "ann", desk.Change{Role: &cust}); err != nil {
		t.Fatal(err)
	}
	if d2.Role(uid) != store.RoleCustomer {
		t.Errorf("role after demotion %q", d2.Role(uid))
	}
}

func TestTeamEdits(t *testing.T) {
	ctx := context.Background()
	d := newFixture(t).open(t)
	for _, n := range []string{"a", "b", "c"} {
		if _, err := d.AddTeam(ctx, n, store.OnOfflineKeep); err != nil {
			t.Fatal(err)
		}
	}
	d.AddStaff(ctx, desk.NewStaff{Login: "bo", Password: "pass123", Role: store.RoleAgent, Teams: []string{"a", "b"}})
	m, err := d.ChangeStaff(ctx, "bo", desk.Change{AddTeams: []string{"c"}, RemoveTeams: []string{"a"}})
	if err != nil || len(m.Teams) != 2 || m.Teams[0] != "b" || m.Teams[1] != "c" {
		t.Errorf("teams after add c, remove a: %v, %v", m.Teams, err)
	}
	m, err = d.ChangeStaff(ctx, "bo", desk.Change{Teams: []string{"a"}})
	if err != nil || len(m.Teams) != 1 || m.Teams[0] != "a" {
		t.Errorf("teams after replacing: %v, %v", m.Teams, err)
	}
	if _, err := d.ChangeStaff(ctx, "bo", desk.Change{AddTeams: []string{"zz"}}); !errors.Is(err, desk.ErrUnknownTeam) {
		t.Errorf("unknown team: %v", err)
	}
	if _, err := d.SetTeam(ctx, "a", "drop"); !errors.Is(err, desk.ErrInvalid) {
		t.Errorf("bad on_offline: %v", err)
	}
}

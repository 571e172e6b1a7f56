// Package desk is the customer-service layer's staff directory: who is an
// agent, a supervisor or an administrator, in which teams, with what
// capacity, and who is disabled. It keeps the directory in memory, loaded
// from the store when the server starts, so checking a caller's role costs
// no store read; every change is written to the store first, then applied
// in memory, so what the store holds is what a restart sees.
package desk

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Errors of the directory; the admin API maps each to an HTTP status.
var (
	ErrInvalid     = errors.New("invalid request")       // 400
	ErrUnknownTeam = errors.New("unknown team")          // 404
	ErrUnknownUser = errors.New("unknown login")         // 404
	ErrTaken       = errors.New("name already taken")    // 409
	ErrNotStaff    = errors.New("the user is not staff") // 409: give a role first
)

// Bounds of what one administrator request can make the server hold.
const (
	MaxTeams        = 1000 // teams in all
	MaxTeamsPerUser = 32
	MaxCapacity     = 1000 // conversations one agent may hold at once
	// DefaultCapacity is an agent's capacity when none is given.
	DefaultCapacity = 5
)

var teamName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// Accounts is what the directory needs of the user store.
type Accounts interface {
	store.Users
	store.Auths
}

// Deps are the services the directory uses.
type Deps struct {
	Users Accounts
	Staff store.Staff
	// Hash hashes a new staff member's password (bcrypt, on the server's
	// bounded password workers).
	Hash func(ctx context.Context, password string) ([]byte, error)
	// CloseUser ends every live session of uid with d (a disabled account).
	CloseUser func(uid proto.Uid, d proto.Disconnect)
	// UserChanged tells the user's me topic to read the account again, so
	// its description shows the new role.
	UserChanged func(uid proto.Uid)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Saved, if set, is called after every change the directory saved:
	// in a cluster it tells the other nodes to Reload.
	Saved func()
}

// Desk is the staff directory. It is safe for concurrent use.
type Desk struct {
	deps Deps

	mu      sync.Mutex // serialises changes (store write, then memory); guards below
	members map[proto.Uid]store.StaffMember
	teams   map[string]store.Team
	// listener hears every saved change, in order (the router).
	listener listener
}

// listener is told of saved changes, under the directory's lock, so it
// hears them in the order they were made. It must not block.
type listener interface {
	staffChanged(store.StaffMember)
	teamChanged(store.Team)
}

// setListener installs l and returns the current members, so l starts
// from a state no change is missing from.
func (d *Desk) setListener(l listener) []store.StaffMember {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.listener = l
	out := make([]store.StaffMember, 0, len(d.members))
	for _, m := range d.members {
		out = append(out, m)
	}
	return out
}

// saved tells Deps.Saved of a change; it must not block.
func (d *Desk) saved() {
	if d.deps.Saved != nil {
		d.deps.Saved()
	}
}

// Reload reads the directory from the store again, for the changes made
// through another node, and tells the listener of every team and member
// (applying one that did not change is harmless).
func (d *Desk) Reload(ctx context.Context) error {
	// Under the lock, as every change: one made here while the store is
	// read is then either in what is read or made after it.
	d.mu.Lock()
	defer d.mu.Unlock()
	teams, err := d.deps.Staff.Teams(ctx)
	if err != nil {
		return fmt.Errorf("load teams: %w", err)
	}
	staff, err := d.deps.Staff.ListStaff(ctx)
	if err != nil {
		return fmt.Errorf("load staff: %w", err)
	}
	d.teams = make(map[string]store.Team, len(teams))
	for _, t := range teams {
		d.teams[t.Name] = t
		if d.listener != nil {
			d.listener.teamChanged(t)
		}
	}
	d.members = make(map[proto.Uid]store.StaffMember, len(staff))
	for _, m := range staff {
		d.members[m.User] = m
		if d.listener != nil {
			d.listener.staffChanged(m)
		}
	}
	return nil
}

// New loads the directory from the store.
func New(ctx context.Context, deps Deps) (*Desk, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	d := &Desk{deps: deps, members: map[proto.Uid]store.StaffMember{}, teams: map[string]store.Team{}}
	teams, err := deps.Staff.Teams(ctx)
	if err != nil {
		return nil, fmt.Errorf("load teams: %w", err)
	}
	for _, t := range teams {
		d.teams[t.Name] = t
	}
	staff, err := deps.Staff.ListStaff(ctx)
	if err != nil {
		return nil, fmt.Errorf("load staff: %w", err)
	}
	for _, m := range staff {
		d.members[m.User] = m
	}
	return d, nil
}

// Role returns uid's role: store.RoleCustomer for anyone without a staff
// record. A disabled member keeps their role (they cannot log in).
func (d *Desk) Role(uid proto.Uid) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m, ok := d.members[uid]; ok {
		return m.Role
	}
	return store.RoleCustomer
}

// IsStaff reports whether uid is an enabled staff member: who may read
// and write private notes.
func (d *Desk) IsStaff(uid proto.Uid) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.members[uid]
	return ok && m.Role != store.RoleCustomer && !m.Disabled
}

// onlineSupervisors lists the enabled supervisors and admins online says
// are connected.
func (d *Desk) onlineSupervisors(online func(proto.Uid) bool) []proto.Uid {
	d.mu.Lock()
	var out []proto.Uid
	for uid, m := range d.members {
		if (m.Role == store.RoleSupervisor || m.Role == store.RoleAdmin) && !m.Disabled {
			out = append(out, uid)
		}
	}
	d.mu.Unlock()
	return slices.DeleteFunc(out, func(u proto.Uid) bool { return !online(u) })
}

// Disabled reports whether uid is a disabled staff member.
func (d *Desk) Disabled(uid proto.Uid) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.members[uid].Disabled
}

// Member returns uid's staff record.
func (d *Desk) Member(uid proto.Uid) (store.StaffMember, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.members[uid]
	m.Teams = slices.Clone(m.Teams)
	return m, ok
}

// Teams lists the teams by name.
func (d *Desk) Teams() []store.Team {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]store.Team, 0, len(d.teams))
	for _, t := range d.teams {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b store.Team) int { return cmpString(a.Name, b.Name) })
	return out
}

// Team returns the named team.
func (d *Desk) Team(name string) (store.Team, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.teams[name]
	return t, ok
}

// AddTeam creates a team. onOffline empty means requeue.
func (d *Desk) AddTeam(ctx context.Context, name, onOffline string) (store.Team, error) {
	if !teamName.MatchString(name) {
		return store.Team{}, fmt.Errorf("%w: a team name is 1-32 letters, digits, '_', '.' or '-', "+
			"starting with a letter or digit", ErrInvalid)
	}
	onOffline, err := checkOnOffline(onOffline)
	if err != nil {
		return store.Team{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.teams[name]; ok {
		return store.Team{}, fmt.Errorf("%w: team %q exists", ErrTaken, name)
	}
	if len(d.teams) >= MaxTeams {
		return store.Team{}, fmt.Errorf("%w: at most %d teams", ErrInvalid, MaxTeams)
	}
	t := store.Team{Name: name, CreatedAt: d.deps.Now().UTC().Truncate(time.Millisecond), OnOffline: onOffline}
	if err := d.deps.Staff.CreateTeam(ctx, &t); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return store.Team{}, fmt.Errorf("%w: team %q exists", ErrTaken, name)
		}
		return store.Team{}, err
	}
	d.teams[name] = t
	if d.listener != nil {
		d.listener.teamChanged(t)
	}
	d.saved()
	return t, nil
}

// SetTeam changes a team's options.
func (d *Desk) SetTeam(ctx context.Context, name, onOffline string) (store.Team, error) {
	onOffline, err := checkOnOffline(onOffline)
	if err != nil {
		return store.Team{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.teams[name]
	if !ok {
		return store.Team{}, fmt.Errorf("%w %q", ErrUnknownTeam, name)
	}
	t.OnOffline = onOffline
	if err := d.deps.Staff.UpdateTeam(ctx, &t); err != nil {
		return store.Team{}, err
	}
	d.teams[name] = t
	if d.listener != nil {
		d.listener.teamChanged(t)
	}
	d.saved()
	return t, nil
}

// checkOnOffline validates a team's offline policy; empty is requeue.
func checkOnOffline(v string) (string, error) {
	switch v {
	case "":
		return store.OnOfflineRequeue, nil
	case store.OnOfflineRequeue, store.OnOfflineKeep:
		return v, nil
	}
	return "", fmt.Errorf("%w: on_offline is %q or %q, not %q", ErrInvalid,
		store.OnOfflineRequeue, store.OnOfflineKeep, v)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

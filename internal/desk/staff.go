package desk

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Member is a staff record as the admin API shows it: with the login.
type Member struct {
	User     string   `json:"user"` // usr…
	Login    string   `json:"login"`
	Role     string   `json:"role"`
	Capacity int      `json:"capacity"`
	Teams    []string `json:"teams"`
	Disabled bool     `json:"disabled"`
}

// NewStaff is a staff account to create.
type NewStaff struct {
	Login    string   `json:"login"`
	Password string   `json:"password"`
	Role     string   `json:"role"`
	Teams    []string `json:"teams,omitempty"`
	Capacity *int     `json:"capacity,omitempty"` // nil: DefaultCapacity for agents
}

// Change lists what to change of a user's staff record; nil and empty
// fields are left as they are. Teams replaces the list; AddTeams and
// RemoveTeams edit it.
type Change struct {
	Role        *string  `json:"role,omitempty"`
	Capacity    *int     `json:"capacity,omitempty"`
	Teams       []string `json:"teams,omitempty"`
	AddTeams    []string `json:"add_teams,omitempty"`
	RemoveTeams []string `json:"remove_teams,omitempty"`
	Disabled    *bool    `json:"disabled,omitempty"`
}

// isRole reports whether r is a role the admin API may give. "customer"
// takes a user back out of the staff.
func isRole(r string) bool {
	switch r {
	case store.RoleAgent, store.RoleSupervisor, store.RoleAdmin, store.RoleCustomer:
		return true
	}
	return false
}

// AddStaff creates a basic-login account with a staff role.
func (d *Desk) AddStaff(ctx context.Context, n NewStaff) (Member, error) {
	login := auth.NormalizeLogin(n.Login)
	if err := auth.CheckPolicy(login, n.Password); err != nil {
		return Member{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !isRole(n.Role) || n.Role == store.RoleCustomer {
		return Member{}, fmt.Errorf("%w: role is agent, supervisor or admin, not %q", ErrInvalid, n.Role)
	}
	capacity := DefaultCapacity
	if n.Capacity != nil {
		capacity = *n.Capacity
	}
	teams, err := d.checkTeams(n.Teams, capacity)
	if err != nil {
		return Member{}, err
	}
	if _, err := d.deps.Users.GetAuth(ctx, auth.BasicUnique(login)); err == nil {
		return Member{}, fmt.Errorf("%w: login %q exists (give it a role with staff set)", ErrTaken, login)
	}
	hash, err := d.deps.Hash(ctx, n.Password)
	if err != nil {
		return Member{}, err
	}
	now := d.deps.Now().UTC().Truncate(time.Millisecond)
	u := &store.User{ID: newUid(), CreatedAt: now, UpdatedAt: now,
		Access: store.DefaultAccess{Auth: proto.ModeCAuth, Anon: proto.ModeNone}}
	rec := &store.AuthRecord{Unique: auth.BasicUnique(login), UserID: u.ID, Scheme: "basic",
		AuthLevel: store.AuthAuth, Secret: hash}
	if err := d.deps.Users.CreateUser(ctx, u, rec); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return Member{}, fmt.Errorf("%w: login %q exists", ErrTaken, login)
		}
		return Member{}, err
	}
	m := store.StaffMember{User: u.ID, Role: n.Role, Capacity: capacity, Teams: teams, UpdatedAt: now}
	if err := d.save(ctx, m); err != nil {
		return Member{}, err
	}
	return memberOf(m, login), nil
}

// ChangeStaff changes the staff record of the account with the basic
// login; a customer becomes staff when the change gives a role.
func (d *Desk) ChangeStaff(ctx context.Context, login string, c Change) (Member, error) {
	login = auth.NormalizeLogin(login)
	rec, err := d.deps.Users.GetAuth(ctx, auth.BasicUnique(login))
	if errors.Is(err, store.ErrNotFound) {
		return Member{}, fmt.Errorf("%w %q", ErrUnknownUser, login)
	} else if err != nil {
		return Member{}, err
	}
	m, ok := d.Member(rec.UserID)
	if !ok {
		if c.Role == nil {
			return Member{}, fmt.Errorf("%w: %q is a customer; give a role", ErrNotStaff, login)
		}
		m = store.StaffMember{User: rec.UserID, Capacity: DefaultCapacity}
	}
	if err := applyChange(&m, c); err != nil {
		return Member{}, err
	}
	if m.Teams, err = d.checkTeams(m.Teams, m.Capacity); err != nil {
		return Member{}, err
	}
	m.UpdatedAt = d.deps.Now().UTC().Truncate(time.Millisecond)
	if err := d.save(ctx, m); err != nil {
		return Member{}, err
	}
	return memberOf(m, login), nil
}

// applyChange applies c to m, checking the role.
func applyChange(m *store.StaffMember, c Change) error {
	if c.Role != nil {
		if !isRole(*c.Role) {
			return fmt.Errorf("%w: role is agent, supervisor, admin or customer, not %q", ErrInvalid, *c.Role)
		}
		m.Role = *c.Role
	}
	if c.Capacity != nil {
		m.Capacity = *c.Capacity
	}
	if c.Teams != nil {
		m.Teams = slices.Clone(c.Teams)
	}
	m.Teams = append(m.Teams, c.AddTeams...)
	m.Teams = slices.DeleteFunc(m.Teams, func(t string) bool { return slices.Contains(c.RemoveTeams, t) })
	if c.Disabled != nil {
		m.Disabled = *c.Disabled
	}
	return nil
}

// checkTeams checks capacity and that every team exists, and returns the
// teams sorted without repeats.
func (d *Desk) checkTeams(teams []string, capacity int) ([]string, error) {
	if capacity < 0 || capacity > MaxCapacity {
		return nil, fmt.Errorf("%w: capacity is 0-%d, not %d", ErrInvalid, MaxCapacity, capacity)
	}
	out := slices.Compact(slices.Sorted(slices.Values(teams)))
	if len(out) > MaxTeamsPerUser {
		return nil, fmt.Errorf("%w: at most %d teams per member", ErrInvalid, MaxTeamsPerUser)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range out {
		if _, ok := d.teams[t]; !ok {
			return nil, fmt.Errorf("%w %q", ErrUnknownTeam, t)
		}
	}
	return out, nil
}

// save writes m to the store, then to memory, and tells the sessions: a
// newly disabled member's are closed, the me topic rereads the role.
func (d *Desk) save(ctx context.Context, m store.StaffMember) error {
	d.mu.Lock()
	was := d.members[m.User]
	err := d.deps.Staff.SaveStaff(ctx, &m)
	if err == nil {
		d.members[m.User] = m
		if d.listener != nil {
			d.listener.staffChanged(m)
		}
	}
	d.mu.Unlock()
	switch {
	case errors.Is(err, store.ErrNotFound):
		// A team removed or a user deleted since the checks.
		return fmt.Errorf("%w: the user or a team is gone", ErrUnknownTeam)
	case err != nil:
		return err
	}
	if m.Disabled && !was.Disabled && d.deps.CloseUser != nil {
		d.deps.CloseUser(m.User, proto.DisconnectDisabled)
	}
	if d.deps.UserChanged != nil {
		d.deps.UserChanged(m.User)
	}
	d.saved()
	return nil
}

// Staff lists every staff member with their login, by user id.
func (d *Desk) Staff(ctx context.Context) ([]Member, error) {
	d.mu.Lock()
	list := make([]store.StaffMember, 0, len(d.members))
	for _, m := range d.members {
		list = append(list, m)
	}
	d.mu.Unlock()
	slices.SortFunc(list, func(a, b store.StaffMember) int { return cmpString(a.User.UserID(), b.User.UserID()) })
	out := make([]Member, 0, len(list))
	for _, m := range list {
		login := ""
		if rec, err := d.deps.Users.UserAuth(ctx, m.User, "basic"); err == nil {
			login = strings.TrimPrefix(rec.Unique, "basic:")
		}
		out = append(out, memberOf(m, login))
	}
	return out, nil
}

func memberOf(m store.StaffMember, login string) Member {
	teams := m.Teams
	if teams == nil {
		teams = []string{}
	}
	return Member{User: m.User.UserID(), Login: login, Role: m.Role, Capacity: m.Capacity,
		Teams: teams, Disabled: m.Disabled}
}

// newUid returns a random user id, as accounts made by sign-up get; the
// store rejects the rare collision.
func newUid() proto.Uid {
	var b [8]byte
	for {
		rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]) >> 1; v != 0 {
			return proto.Uid(v)
		}
	}
}

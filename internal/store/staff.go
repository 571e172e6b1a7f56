package store

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Roles of the customer-service layer. A user without a staff record is a
// customer; the role of staff is also kept in the user's Trusted as
// {"role": …}, so clients see it in the me topic's description.
const (
	RoleCustomer   = "customer"
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// What a team does with an agent's open conversations when the agent goes
// offline (Team.OnOffline).
const (
	OnOfflineRequeue = "requeue"
	OnOfflineKeep    = "keep"
)

// Team is a group of agents with one queue.
type Team struct {
	Name      string
	CreatedAt time.Time
	// OnOffline is OnOfflineRequeue or OnOfflineKeep.
	OnOffline string
}

// StaffMember is a user's role and routing settings.
type StaffMember struct {
	User     proto.Uid
	Role     string
	Capacity int      // conversations at once; agents only
	Teams    []string // sorted team names
	Disabled bool
	// UpdatedAt is when the record last changed.
	UpdatedAt time.Time
}

// Staff keeps teams and staff records. It is a role interface of its own,
// not part of Store, so adapters add it without touching the rest;
// storetest runs its tests when the store implements it.
type Staff interface {
	// CreateTeam stores a team; ErrDuplicate if the name is taken.
	CreateTeam(ctx context.Context, t *Team) error
	// UpdateTeam replaces a team's options; ErrNotFound if there is none.
	UpdateTeam(ctx context.Context, t *Team) error
	// Teams lists the teams by name.
	Teams(ctx context.Context) ([]Team, error)
	// SaveStaff creates or replaces the staff record of m.User, in one
	// transaction with the user's Trusted, whose "role" key it sets to
	// m.Role, keeping the other keys. Disabling a member (Disabled turning
	// true) raises the user's token generation, revoking their tokens.
	// ErrNotFound if the user does not exist (or was deleted) or a team
	// in m.Teams does not.
	SaveStaff(ctx context.Context, m *StaffMember) error
	// GetStaff returns the user's staff record or ErrNotFound.
	GetStaff(ctx context.Context, user proto.Uid) (*StaffMember, error)
	// ListStaff lists every staff record, ordered by user id.
	ListStaff(ctx context.Context) ([]StaffMember, error)
}

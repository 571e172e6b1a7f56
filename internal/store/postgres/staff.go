package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration3 adds the customer-service staff, as the SQLite adapter's
// migration6 does: teams, one staff record per staff user, and the teams
// each belongs to. A user without a staff row is a customer.
const migration3 = `
CREATE TABLE teams (
	name       text COLLATE "C" PRIMARY KEY,
	created    bigint,
	on_offline text NOT NULL DEFAULT 'requeue'
);

CREATE TABLE staff (
	uid      bigint PRIMARY KEY REFERENCES users(id),
	role     text NOT NULL,
	capacity integer NOT NULL DEFAULT 0,
	disabled boolean NOT NULL DEFAULT false,
	updated  bigint
);

CREATE TABLE staff_teams (
	uid  bigint NOT NULL REFERENCES staff(uid) ON DELETE CASCADE,
	team text COLLATE "C" NOT NULL REFERENCES teams(name),
	PRIMARY KEY (uid, team)
);
CREATE INDEX staff_teams_team ON staff_teams(team);
`

const (
	sqlInsertTeam = `INSERT INTO teams (name, created, on_offline) VALUES ($1, $2, $3)`
	sqlUpdateTeam = `UPDATE teams SET on_offline = $1 WHERE name = $2`
	sqlListTeams  = `SELECT name, created, on_offline FROM teams ORDER BY name`
	sqlGetStaff   = `SELECT uid, role, capacity, disabled, updated FROM staff WHERE uid = $1`
	sqlListStaff  = `SELECT uid, role, capacity, disabled, updated FROM staff`
	sqlStaffTeams = `SELECT uid, team FROM staff_teams ORDER BY team`
	sqlUserTeams  = `SELECT team FROM staff_teams WHERE uid = $1 ORDER BY team`
	sqlWasEnabled = `SELECT NOT disabled FROM staff WHERE uid = $1`
	sqlSaveStaff  = `INSERT INTO staff (uid, role, capacity, disabled, updated) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (uid) DO UPDATE SET role = excluded.role, capacity = excluded.capacity,
		disabled = excluded.disabled, updated = excluded.updated`
	sqlClearTeams = `DELETE FROM staff_teams WHERE uid = $1`
	sqlAddTeam    = `INSERT INTO staff_teams (uid, team) VALUES ($1, $2)`
	// The role is merged into trusted in Go rather than with jsonb: trusted
	// is the client's bytes, which jsonb might refuse (a \u0000) or reformat.
	sqlLockTrusted = `SELECT trusted FROM users WHERE id = $1 AND deleted IS NULL FOR UPDATE`
	sqlSetTrusted  = `UPDATE users SET trusted = $1 WHERE id = $2 AND deleted IS NULL`
)

// CreateTeam stores a team; ErrDuplicate if the name is taken.
func (s *Store) CreateTeam(ctx context.Context, t *store.Team) error {
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlInsertTeam, t.Name, millis(t.CreatedAt), t.OnOffline)
		return storeErr(err)
	})
}

// UpdateTeam replaces the team's options.
func (s *Store) UpdateTeam(ctx context.Context, t *store.Team) error {
	return s.write(ctx, func(w *writeTx) error {
		return mustAffect(w.exec(sqlUpdateTeam, t.OnOffline, t.Name))
	})
}

// Teams lists the teams by name.
func (s *Store) Teams(ctx context.Context) ([]store.Team, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlListTeams)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []store.Team
	for rows.Next() {
		var t store.Team
		if err := rows.Scan(&t.Name, intoTime{P: &t.CreatedAt}, &t.OnOffline); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveStaff writes the staff record, its teams and the role in the user's
// trusted in one transaction.
func (s *Store) SaveStaff(ctx context.Context, m *store.StaffMember) error {
	return s.write(ctx, func(w *writeTx) error {
		if err := setRole(w, m.User, m.Role); err != nil {
			return err
		}
		var wasEnabled bool
		err := w.queryRow(sqlWasEnabled, uidArg(m.User)).Scan(&wasEnabled)
		if errors.Is(err, pgx.ErrNoRows) {
			wasEnabled, err = true, nil
		}
		if err != nil {
			return storeErr(err)
		}
		if m.Disabled && wasEnabled {
			var gen int
			if err := w.queryRow(sqlBumpTokenGen, uidArg(m.User)).Scan(&gen); err != nil {
				return storeErr(err)
			}
		}
		if _, err := w.exec(sqlSaveStaff, uidArg(m.User), m.Role, m.Capacity, m.Disabled,
			millis(m.UpdatedAt)); err != nil {
			return storeErr(err)
		}
		if _, err := w.exec(sqlClearTeams, uidArg(m.User)); err != nil {
			return storeErr(err)
		}
		for _, team := range m.Teams {
			if _, err := w.exec(sqlAddTeam, uidArg(m.User), team); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

// setRole sets the "role" key of the user's trusted, keeping its other keys
// (a login scheme's "verified", say); a trusted that is not a JSON object
// becomes one. ErrNotFound if the user does not exist or was deleted.
func setRole(w *writeTx, user proto.Uid, role string) error {
	var raw []byte
	if err := w.queryRow(sqlLockTrusted, uidArg(user)).Scan(&raw); err != nil {
		return storeErr(err)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		obj = map[string]json.RawMessage{}
	}
	r, err := json.Marshal(role)
	if err != nil {
		return err
	}
	obj["role"] = r
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return mustAffect(w.exec(sqlSetTrusted, b, uidArg(user)))
}

// GetStaff returns the user's staff record or ErrNotFound.
func (s *Store) GetStaff(ctx context.Context, user proto.Uid) (*store.StaffMember, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	m := &store.StaffMember{}
	err := s.pool.QueryRow(ctx, sqlGetStaff, uidArg(user)).Scan(intoUid{P: &m.User}, &m.Role,
		&m.Capacity, &m.Disabled, intoTime{P: &m.UpdatedAt})
	if err != nil {
		return nil, storeErr(err)
	}
	rows, err := s.pool.Query(ctx, sqlUserTeams, uidArg(user))
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var team string
		if err := rows.Scan(&team); err != nil {
			return nil, err
		}
		m.Teams = append(m.Teams, team)
	}
	return m, rows.Err()
}

// ListStaff lists every staff record, ordered by user id (unsigned, so in
// Go: the column is a bit-cast, signed bigint).
func (s *Store) ListStaff(ctx context.Context) ([]store.StaffMember, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlListStaff)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []store.StaffMember
	for rows.Next() {
		var m store.StaffMember
		if err := rows.Scan(intoUid{P: &m.User}, &m.Role, &m.Capacity, &m.Disabled, intoTime{P: &m.UpdatedAt}); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := s.fillTeams(ctx, out); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.StaffMember) int { return cmpUid(a.User, b.User) })
	return out, nil
}

// fillTeams reads every membership once and hands them out.
func (s *Store) fillTeams(ctx context.Context, list []store.StaffMember) error {
	idx := make(map[proto.Uid]int, len(list))
	for i := range list {
		idx[list[i].User] = i
	}
	rows, err := s.pool.Query(ctx, sqlStaffTeams)
	if err != nil {
		return storeErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u proto.Uid
		var team string
		if err := rows.Scan(intoUid{P: &u}, &team); err != nil {
			return err
		}
		if i, ok := idx[u]; ok {
			list[i].Teams = append(list[i].Teams, team)
		}
	}
	return rows.Err()
}

func cmpUid(a, b proto.Uid) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

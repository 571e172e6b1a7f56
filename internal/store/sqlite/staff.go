package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration6 adds the customer-service staff: teams, one staff record per
// staff user, and the teams each belongs to. A user without a staff row is
// a customer.
const migration6 = `
CREATE TABLE teams (
	name       TEXT PRIMARY KEY,
	created    INTEGER,
	on_offline TEXT NOT NULL DEFAULT 'requeue'
) WITHOUT ROWID;

CREATE TABLE staff (
	user     INTEGER PRIMARY KEY REFERENCES users(id),
	role     TEXT NOT NULL,
	capacity INTEGER NOT NULL DEFAULT 0,
	disabled INTEGER NOT NULL DEFAULT 0,
	updated  INTEGER
);

CREATE TABLE staff_teams (
	user INTEGER NOT NULL REFERENCES staff(user) ON DELETE CASCADE,
	team TEXT NOT NULL REFERENCES teams(name),
	PRIMARY KEY (user, team)
) WITHOUT ROWID;
CREATE INDEX staff_teams_team ON staff_teams(team);
`

const (
	sqlInsertTeam = `INSERT INTO teams (name, created, on_offline) VALUES (?, ?, ?)`
	sqlUpdateTeam = `UPDATE teams SET on_offline = ? WHERE name = ?`
	sqlListTeams  = `SELECT name, created, on_offline FROM teams ORDER BY name`
	sqlGetStaff   = `SELECT user, role, capacity, disabled, updated FROM staff WHERE user = ?`
	sqlListStaff  = `SELECT user, role, capacity, disabled, updated FROM staff`
	sqlStaffTeams = `SELECT user, team FROM staff_teams ORDER BY team`
	sqlUserTeams  = `SELECT team FROM staff_teams WHERE user = ? ORDER BY team`
	sqlWasEnabled = `SELECT disabled = 0 FROM staff WHERE user = ?`
	sqlSaveStaff  = `INSERT INTO staff (user, role, capacity, disabled, updated) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user) DO UPDATE SET role = excluded.role, capacity = excluded.capacity,
		disabled = excluded.disabled, updated = excluded.updated`
	sqlClearTeams = `DELETE FROM staff_teams WHERE user = ?`
	sqlAddTeam    = `INSERT INTO staff_teams (user, team) VALUES (?, ?)`
	// The role joins the other keys of trusted (a login scheme's
	// "verified", say); a trusted that is not an object becomes one.
	sqlSetRole = `UPDATE users SET trusted = json_set(
		CASE WHEN json_type(trusted) = 'object' THEN trusted ELSE '{}' END, '$.role', ?)
		WHERE id = ? AND deleted IS NULL`
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
	rows, err := s.ldb.QueryContext(ctx, sqlListTeams)
	if err != nil {
		return nil, err
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
		if err := mustAffect(w.exec(sqlSetRole, m.Role, uidArg(m.User))); err != nil {
			return err
		}
		var wasEnabled bool
		err := w.queryRow(sqlWasEnabled, uidArg(m.User)).Scan(&wasEnabled)
		if err == sql.ErrNoRows {
			wasEnabled, err = true, nil
		}
		if err != nil {
			return err
		}
		if m.Disabled && wasEnabled {
			if err := mustAffect(w.exec(sqlBumpTokenGen, uidArg(m.User))); err != nil {
				return err
			}
		}
		if _, err := w.exec(sqlSaveStaff, uidArg(m.User), m.Role, m.Capacity, m.Disabled,
			millis(m.UpdatedAt)); err != nil {
			return storeErr(err)
		}
		if _, err := w.exec(sqlClearTeams, uidArg(m.User)); err != nil {
			return err
		}
		for _, team := range m.Teams {
			if _, err := w.exec(sqlAddTeam, uidArg(m.User), team); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

// GetStaff returns the user's staff record or ErrNotFound.
func (s *Store) GetStaff(ctx context.Context, user proto.Uid) (*store.StaffMember, error) {
	m := &store.StaffMember{}
	err := s.ldb.QueryRowContext(ctx, sqlGetStaff, uidArg(user)).Scan(intoUid{P: &m.User}, &m.Role,
		&m.Capacity, &m.Disabled, intoTime{P: &m.UpdatedAt})
	if err != nil {
		return nil, storeErr(err)
	}
	rows, err := s.ldb.QueryContext(ctx, sqlUserTeams, uidArg(user))
	if err != nil {
		return nil, err
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

// ListStaff lists every staff record, ordered by user id (unsigned).
func (s *Store) ListStaff(ctx context.Context) ([]store.StaffMember, error) {
	rows, err := s.ldb.QueryContext(ctx, sqlListStaff)
	if err != nil {
		return nil, err
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
	rows, err := s.ldb.QueryContext(ctx, sqlStaffTeams)
	if err != nil {
		return err
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

package postgres

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	sqlInsertUser = `INSERT INTO users (id, created, updated, auth_access, anon_access, public, trusted, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	sqlGetUser = `SELECT id, created, updated, auth_access, anon_access, public, trusted, tags, tokgen
		FROM users WHERE id = $1 AND deleted IS NULL`
	sqlInsertAuth = `INSERT INTO auth (uniq, uid, scheme, level, secret, expires) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlGetAuth    = `SELECT uniq, uid, scheme, level, secret, expires FROM auth WHERE uniq = $1`
	sqlInsertKey  = `INSERT INTO kv (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
	sqlGetKey     = `SELECT value FROM kv WHERE name = $1`
)

// The account lifecycle: token revocation and soft deletion.
const (
	sqlBumpTokenGen = `UPDATE users SET tokgen = tokgen + 1 WHERE id = $1 AND deleted IS NULL RETURNING tokgen`
	sqlMarkDeleted  = `UPDATE users SET deleted = $1, updated = $1, tokgen = tokgen + 1, tags = NULL
		WHERE id = $2 AND deleted IS NULL`
	sqlDeleteAuths   = `DELETE FROM auth WHERE uid = $1`
	sqlDeleteDevices = `DELETE FROM devices WHERE uid = $1`
	sqlDeleteMarks   = `DELETE FROM device_marks WHERE uid = $1`
)

// CreateUser stores u and, if given, its auth record under u.ID.
func (s *Store) CreateUser(ctx context.Context, u *store.User, auth *store.AuthRecord) error {
	tags, err := tagsArg(u.Tags)
	if err != nil {
		return err
	}
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlInsertUser, uidArg(u.ID), millis(u.CreatedAt), millis(u.UpdatedAt),
			modeArg(u.Access.Auth), modeArg(u.Access.Anon), jsonArg(u.Public), jsonArg(u.Trusted), tags)
		if err != nil {
			return storeErr(err)
		}
		if err := indexUserTags(w, u.ID, u.Tags); err != nil || auth == nil {
			return err
		}
		_, err = w.exec(sqlInsertAuth, auth.Unique, uidArg(u.ID), auth.Scheme, auth.AuthLevel,
			secretArg(auth.Secret), millis(auth.Expires))
		return storeErr(err)
	})
}

// GetUser returns the user or ErrNotFound, also for a deleted user.
func (s *Store) GetUser(ctx context.Context, id proto.Uid) (*store.User, error) {
	u := &store.User{}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	err := s.pool.QueryRow(ctx, sqlGetUser, uidArg(id)).Scan(intoUid{P: &u.ID},
		intoTime{P: &u.CreatedAt}, intoTime{P: &u.UpdatedAt}, intoMode{P: &u.Access.Auth}, intoMode{P: &u.Access.Anon},
		intoJSON{P: &u.Public}, intoJSON{P: &u.Trusted}, intoTags{P: &u.Tags}, &u.TokenGen)
	if err != nil {
		return nil, storeErr(err)
	}
	return u, nil
}

// UpdateUser changes the set fields of upd; ErrNotFound if there is no user.
func (s *Store) UpdateUser(ctx context.Context, id proto.Uid, upd store.UserUpdate) error {
	var set setList
	set.time("updated", upd.UpdatedAt)
	if upd.Access != nil {
		set.add("auth_access", modeArg(upd.Access.Auth))
		set.add("anon_access", modeArg(upd.Access.Anon))
	}
	set.json("public", upd.Public)
	set.json("trusted", upd.Trusted)
	if err := set.tags("tags", upd.Tags); err != nil {
		return err
	}
	return s.write(ctx, func(w *writeTx) error {
		if err := set.apply(w, "users", "id = $1", uidArg(id)); err != nil || upd.Tags == nil {
			return err
		}
		return indexUserTags(w, id, upd.Tags)
	})
}

// GetAuth returns the auth record or ErrNotFound.
func (s *Store) GetAuth(ctx context.Context, unique string) (*store.AuthRecord, error) {
	a := &store.AuthRecord{}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	err := s.pool.QueryRow(ctx, sqlGetAuth, unique).Scan(&a.Unique, intoUid{P: &a.UserID},
		&a.Scheme, &a.AuthLevel, &a.Secret, intoTime{P: &a.Expires})
	if err != nil {
		return nil, storeErr(err)
	}
	return a, nil
}

// GetOrCreateKey returns the key stored under name, storing fresh first if
// there is none. ON CONFLICT makes two first callers, even on two
// gateways, agree on one key.
func (s *Store) GetOrCreateKey(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if fresh == nil {
		fresh = []byte{}
	}
	var key []byte
	err := s.write(ctx, func(w *writeTx) error {
		if _, err := w.exec(sqlInsertKey, name, fresh); err != nil {
			return err
		}
		return w.queryRow(sqlGetKey, name).Scan(&key)
	})
	if err != nil {
		return nil, err
	}
	if key == nil {
		key = []byte{}
	}
	return key, nil
}

// DeleteUser marks the user deleted and removes what let anyone act as
// them or find them: auth records, tag index rows, devices and their marks.
// The row itself stays, so the id is never handed out again.
func (s *Store) DeleteUser(ctx context.Context, id proto.Uid, at time.Time) error {
	return s.write(ctx, func(w *writeTx) error {
		if err := mustAffect(w.exec(sqlMarkDeleted, millis(at), uidArg(id))); err != nil {
			return err
		}
		for _, q := range []string{sqlDeleteAuths, sqlUnindexUser, sqlDeleteMarks, sqlDeleteDevices} {
			if _, err := w.exec(q, uidArg(id)); err != nil {
				return storeErr(err)
			}
		}
		return nil
	})
}

package postgres

import (
	"context"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	sqlUserAuth = `SELECT uniq, uid, scheme, level, secret, expires FROM auth
		WHERE uid = $1 AND scheme = $2 ORDER BY uniq LIMIT 1`
	sqlUpdateAuth = `UPDATE auth SET uniq = $1, uid = $2, scheme = $3, level = $4, secret = $5, expires = $6
		WHERE uniq = $7`
)

// UserAuth returns the user's record of the scheme or ErrNotFound.
func (s *Store) UserAuth(ctx context.Context, user proto.Uid, scheme string) (*store.AuthRecord, error) {
	a := &store.AuthRecord{}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	err := s.pool.QueryRow(ctx, sqlUserAuth, uidArg(user), scheme).Scan(&a.Unique, intoUid{P: &a.UserID},
		&a.Scheme, &a.AuthLevel, &a.Secret, intoTime{P: &a.Expires})
	if err != nil {
		return nil, storeErr(err)
	}
	return a, nil
}

// UpdateAuth rewrites the record under oldUnique in one statement, so a
// taken new key leaves the old record as it was.
func (s *Store) UpdateAuth(ctx context.Context, oldUnique string, rec *store.AuthRecord) error {
	return s.write(ctx, func(w *writeTx) error { return updateAuth(w, oldUnique, rec) })
}

func updateAuth(w *writeTx, oldUnique string, rec *store.AuthRecord) error {
	return mustAffect(w.exec(sqlUpdateAuth, rec.Unique, uidArg(rec.UserID), rec.Scheme, rec.AuthLevel,
		secretArg(rec.Secret), millis(rec.Expires), oldUnique))
}

// UpdateAuthRevoking rewrites the auth record and raises the user's token
// generation in one transaction.
func (s *Store) UpdateAuthRevoking(ctx context.Context, oldUnique string, rec *store.AuthRecord) (int, error) {
	var gen int
	err := s.write(ctx, func(w *writeTx) error {
		if err := updateAuth(w, oldUnique, rec); err != nil {
			return err
		}
		return storeErr(w.queryRow(sqlBumpTokenGen, uidArg(rec.UserID)).Scan(&gen))
	})
	if err != nil {
		return 0, err
	}
	return gen, nil
}

package sqlite

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The account lifecycle (migration4): token revocation and soft deletion.
const (
	sqlBumpTokenGen = `UPDATE users SET tokgen = tokgen + 1 WHERE id = ? AND deleted IS NULL`
	sqlGetTokenGen  = `SELECT tokgen FROM users WHERE id = ?`
	sqlMarkDeleted  = `UPDATE users SET deleted = ?, updated = ?, tokgen = tokgen + 1, tags = NULL
		WHERE id = ? AND deleted IS NULL`
	sqlDeleteAuths   = `DELETE FROM auth WHERE user = ?`
	sqlDeleteDevices = `DELETE FROM devices WHERE user = ?`
	sqlDeleteMarks   = `DELETE FROM device_marks WHERE user = ?`
)

// UpdateAuthRevoking rewrites the auth record and raises the user's token
// generation in one transaction.
func (s *Store) UpdateAuthRevoking(ctx context.Context, oldUnique string, rec *store.AuthRecord) (int, error) {
	var gen int
	err := s.write(ctx, func(w *writeTx) error {
		err := mustAffect(w.exec(sqlUpdateAuth, rec.Unique, uidArg(rec.UserID), rec.Scheme, rec.AuthLevel,
			secretArg(rec.Secret), millis(rec.Expires), oldUnique))
		if err != nil {
			return err
		}
		if err := mustAffect(w.exec(sqlBumpTokenGen, uidArg(rec.UserID))); err != nil {
			return err
		}
		return storeErr(w.queryRow(sqlGetTokenGen, uidArg(rec.UserID)).Scan(&gen))
	})
	if err != nil {
		return 0, err
	}
	return gen, nil
}

// DeleteUser marks the user deleted and removes what let anyone act as
// them or find them: auth records, tag index rows, devices and their marks.
// The row itself stays, so the id is never handed out again.
func (s *Store) DeleteUser(ctx context.Context, id proto.Uid, at time.Time) error {
	return s.write(ctx, func(w *writeTx) error {
		if err := mustAffect(w.exec(sqlMarkDeleted, millis(at), millis(at), uidArg(id))); err != nil {
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

package sqlite

import (
	"context"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration9 adds per-user marks on messages (star, flag): one row per
// (topic, user, seq, mark), removed with the topic.
const migration9 = `
CREATE TABLE user_marks (
	topic TEXT NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	user  INTEGER NOT NULL,
	seq   INTEGER NOT NULL,
	mark  TEXT NOT NULL,
	PRIMARY KEY (topic, user, seq, mark)
) WITHOUT ROWID;
`

const (
	sqlHasMark   = `SELECT COUNT(*) FROM user_marks WHERE topic = ? AND user = ? AND seq = ? AND mark = ?`
	sqlCountMark = `SELECT COUNT(*) FROM user_marks WHERE topic = ? AND user = ?`
	sqlAddMark   = `INSERT INTO user_marks (topic, user, seq, mark) VALUES (?, ?, ?, ?)`
	sqlDelMark   = `DELETE FROM user_marks WHERE topic = ? AND user = ? AND seq = ? AND mark = ?`
	sqlListMarks = `SELECT seq, mark FROM user_marks WHERE topic = ? AND user = ? ORDER BY seq, mark`
)

// SetMark sets or clears one of a user's marks.
func (s *Store) SetMark(ctx context.Context, user proto.Uid, topic string, m store.Mark, on bool, max int) (bool, error) {
	changed := false
	err := s.write(ctx, func(w *writeTx) error {
		if !on {
			res, err := w.exec(sqlDelMark, topic, uidArg(user), m.Seq, m.Mark)
			if err != nil {
				return storeErr(err)
			}
			n, err := res.RowsAffected()
			changed = n > 0
			return err
		}
		var has, count int
		if err := w.queryRow(sqlHasMark, topic, uidArg(user), m.Seq, m.Mark).Scan(&has); err != nil {
			return storeErr(err)
		}
		if has > 0 {
			return nil
		}
		if err := w.queryRow(sqlCountMark, topic, uidArg(user)).Scan(&count); err != nil {
			return storeErr(err)
		}
		if count >= max {
			return store.ErrLimit
		}
		if _, err := w.exec(sqlAddMark, topic, uidArg(user), m.Seq, m.Mark); err != nil {
			return storeErr(err)
		}
		changed = true
		return nil
	})
	return changed, err
}

// ListMarks lists a user's marks on a topic.
func (s *Store) ListMarks(ctx context.Context, user proto.Uid, topic string) ([]store.Mark, error) {
	rows, err := s.ldb.QueryContext(ctx, sqlListMarks, topic, uidArg(user))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Mark
	for rows.Next() {
		var m store.Mark
		if err := rows.Scan(&m.Seq, &m.Mark); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

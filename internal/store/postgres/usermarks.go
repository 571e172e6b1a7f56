package postgres

import (
	"context"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// migration6 adds per-user marks on messages (star, flag), as the SQLite
// adapter's migration9 does: removed with the topic.
const migration6 = `
CREATE TABLE user_marks (
	topic text COLLATE "C" NOT NULL REFERENCES topics(name) ON DELETE CASCADE,
	uid   bigint NOT NULL,
	seq   bigint NOT NULL,
	mark  text COLLATE "C" NOT NULL,
	PRIMARY KEY (topic, uid, seq, mark)
);
`

const (
	sqlHasMark   = `SELECT COUNT(*) FROM user_marks WHERE topic = $1 AND uid = $2 AND seq = $3 AND mark = $4`
	sqlCountMark = `SELECT COUNT(*) FROM user_marks WHERE topic = $1 AND uid = $2`
	sqlAddMark   = `INSERT INTO user_marks (topic, uid, seq, mark) VALUES ($1, $2, $3, $4)`
	sqlDelMark   = `DELETE FROM user_marks WHERE topic = $1 AND uid = $2 AND seq = $3 AND mark = $4`
	sqlListMarks = `SELECT seq, mark FROM user_marks WHERE topic = $1 AND uid = $2 ORDER BY seq, mark`
)

// SetMark sets or clears one of a user's marks.
func (s *Store) SetMark(ctx context.Context, user proto.Uid, topic string, m store.Mark, on bool, max int) (bool, error) {
	changed := false
	err := s.write(ctx, func(w *writeTx) error {
		if !on {
			tag, err := w.exec(sqlDelMark, topic, uidArg(user), int64(m.Seq), m.Mark)
			if err != nil {
				return storeErr(err)
			}
			changed = tag.RowsAffected() > 0
			return nil
		}
		var has, count int64
		if err := w.queryRow(sqlHasMark, topic, uidArg(user), int64(m.Seq), m.Mark).Scan(&has); err != nil {
			return storeErr(err)
		}
		if has > 0 {
			return nil
		}
		if err := w.queryRow(sqlCountMark, topic, uidArg(user)).Scan(&count); err != nil {
			return storeErr(err)
		}
		if count >= int64(max) {
			return store.ErrLimit
		}
		if _, err := w.exec(sqlAddMark, topic, uidArg(user), int64(m.Seq), m.Mark); err != nil {
			return storeErr(err)
		}
		changed = true
		return nil
	})
	return changed, err
}

// ListMarks lists a user's marks on a topic.
func (s *Store) ListMarks(ctx context.Context, user proto.Uid, topic string) ([]store.Mark, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlListMarks, topic, uidArg(user))
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []store.Mark
	for rows.Next() {
		var m store.Mark
		var seq int64
		if err := rows.Scan(&seq, &m.Mark); err != nil {
			return nil, err
		}
		m.Seq = int(seq)
		out = append(out, m)
	}
	return out, rows.Err()
}

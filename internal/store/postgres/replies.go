package postgres

import (
	"context"

	"github.com/parley-im/parley/internal/store"
)

// migration5 adds quick replies, as the SQLite adapter's migration8 does
// (its conversation labels are in migration4 here).
const migration5 = `
CREATE TABLE replies (
	owner   text COLLATE "C" NOT NULL,
	key     text COLLATE "C" NOT NULL,
	text    text NOT NULL,
	updated bigint,
	PRIMARY KEY (owner, key)
);
`

const (
	sqlSaveReply = `INSERT INTO replies (owner, key, text, updated) VALUES ($1, $2, $3, $4)
		ON CONFLICT (owner, key) DO UPDATE SET text = excluded.text, updated = excluded.updated`
	sqlDeleteReply = `DELETE FROM replies WHERE owner = $1 AND key = $2`
	sqlListReplies = `SELECT owner, key, text, updated FROM replies WHERE owner = ANY($1) ORDER BY owner, key`
)

// SaveReply creates or replaces a quick reply.
func (s *Store) SaveReply(ctx context.Context, r *store.Reply) error {
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlSaveReply, r.Owner, r.Key, r.Text, millis(r.UpdatedAt))
		return storeErr(err)
	})
}

// DeleteReply removes a quick reply.
func (s *Store) DeleteReply(ctx context.Context, owner, key string) error {
	return s.write(ctx, func(w *writeTx) error {
		return mustAffect(w.exec(sqlDeleteReply, owner, key))
	})
}

// ListReplies lists the owners' replies.
func (s *Store) ListReplies(ctx context.Context, owners []string) ([]store.Reply, error) {
	if len(owners) == 0 {
		return nil, nil
	}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlListReplies, owners)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []store.Reply
	for rows.Next() {
		var r store.Reply
		if err := rows.Scan(&r.Owner, &r.Key, &r.Text, intoTime{P: &r.UpdatedAt}); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

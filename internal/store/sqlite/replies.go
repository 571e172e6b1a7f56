package sqlite

import (
	"context"
	"strings"

	"github.com/parley-im/parley/internal/store"
)

// migration8 adds quick replies and conversation labels.
const migration8 = `
CREATE TABLE replies (
	owner   TEXT NOT NULL,
	key     TEXT NOT NULL,
	text    TEXT NOT NULL,
	updated INTEGER,
	PRIMARY KEY (owner, key)
) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN labels TEXT;
ALTER TABLE conversation_log ADD COLUMN labels TEXT;
`

const (
	sqlSaveReply   = `INSERT OR REPLACE INTO replies (owner, key, text, updated) VALUES (?, ?, ?, ?)`
	sqlDeleteReply = `DELETE FROM replies WHERE owner = ? AND key = ?`
	sqlListReplies = `SELECT owner, key, text, updated FROM replies WHERE owner IN (%s) ORDER BY owner, key`
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
	args := make([]any, len(owners))
	for i, o := range owners {
		args[i] = o
	}
	q := strings.Replace(sqlListReplies, "%s", strings.TrimSuffix(strings.Repeat("?,", len(owners)), ","), 1)
	rows, err := s.ldb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
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

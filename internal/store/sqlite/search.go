package sqlite

import (
	"context"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The tag index (migration2) mirrors the tags columns of users and topics.
// Every write of a tags column rewrites the owner's index rows in the same
// transaction, so a search never sees tags that are not stored.
const (
	sqlIndexUserTag    = `INSERT OR IGNORE INTO tagindex (tag, user) VALUES (lower(?), ?)`
	sqlIndexTopicTag   = `INSERT OR IGNORE INTO tagindex (tag, topic) VALUES (lower(?), ?)`
	sqlUnindexUser     = `DELETE FROM tagindex WHERE user = ? AND user <> 0`
	sqlUnindexTopic    = `DELETE FROM tagindex WHERE topic = ? AND topic <> ''`
	sqlUserAuth        = `SELECT uniq, user, scheme, level, secret, expires FROM auth WHERE user = ? AND scheme = ? LIMIT 1`
	sqlUpdateAuth      = `UPDATE auth SET uniq = ?, user = ?, scheme = ?, level = ?, secret = ?, expires = ? WHERE uniq = ?`
	sqlSearchSeparator = "\x1f"
)

// indexUserTags replaces the user's rows in the tag index.
func indexUserTags(w *writeTx, user proto.Uid, tags []string) error {
	if _, err := w.exec(sqlUnindexUser, uidArg(user)); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := w.exec(sqlIndexUserTag, tag, uidArg(user)); err != nil {
			return err
		}
	}
	return nil
}

// indexTopicTags replaces the topic's rows in the tag index.
func indexTopicTags(w *writeTx, topic string, tags []string) error {
	if _, err := w.exec(sqlUnindexTopic, topic); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := w.exec(sqlIndexTopicTag, tag, topic); err != nil {
			return err
		}
	}
	return nil
}

// FindByTags looks the tags up in the tag index and in the basic logins'
// auth keys (other keys, such as a shop's customer id, are private). The
// ranking happens in SQL so that only limit rows come back; "user < 0"
// sorts bit-cast ids as the unsigned numbers they are.
func (s *Store) FindByTags(ctx context.Context, tags []string, limit int) ([]store.TagMatch, error) {
	if len(tags) == 0 || limit <= 0 {
		return nil, nil
	}
	args := make([]any, 0, 2*len(tags)+1)
	for range 2 {
		for _, t := range tags {
			args = append(args, strings.ToLower(t))
		}
	}
	args = append(args, limit)
	in := strings.TrimSuffix(strings.Repeat("?,", len(tags)), ",")
	query := `SELECT user, topic, group_concat(tag, '` + sqlSearchSeparator + `') FROM (
			SELECT tag, user, topic FROM tagindex WHERE tag IN (` + in + `)
			UNION SELECT uniq, user, '' FROM auth WHERE uniq IN (` + in + `) AND scheme = 'basic')
		GROUP BY user, topic ORDER BY COUNT(*) DESC, user < 0, user, topic LIMIT ?`
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TagMatch
	for rows.Next() {
		var m store.TagMatch
		var matched string
		if err := rows.Scan(intoUid{P: &m.User}, &m.Topic, &matched); err != nil {
			return nil, err
		}
		m.Tags = strings.Split(matched, sqlSearchSeparator)
		slices.Sort(m.Tags)
		out = append(out, m)
	}
	return out, rows.Err()
}

// UserAuth returns the user's record of the scheme or ErrNotFound.
func (s *Store) UserAuth(ctx context.Context, user proto.Uid, scheme string) (*store.AuthRecord, error) {
	a := &store.AuthRecord{}
	err := s.ldb.QueryRowContext(ctx, sqlUserAuth, uidArg(user), scheme).Scan(&a.Unique, intoUid{P: &a.UserID},
		&a.Scheme, &a.AuthLevel, &a.Secret, intoTime{P: &a.Expires})
	if err != nil {
		return nil, storeErr(err)
	}
	return a, nil
}

// UpdateAuth rewrites the record under oldUnique in one statement, so a
// taken new key leaves the old record as it was.
func (s *Store) UpdateAuth(ctx context.Context, oldUnique string, rec *store.AuthRecord) error {
	return s.write(ctx, func(w *writeTx) error {
		return mustAffect(w.exec(sqlUpdateAuth, rec.Unique, uidArg(rec.UserID), rec.Scheme, rec.AuthLevel,
			secretArg(rec.Secret), millis(rec.Expires), oldUnique))
	})
}

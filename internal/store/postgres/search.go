package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The tag index mirrors the tags columns of users and topics. Every write of
// a tags column rewrites the owner's index rows in the same transaction, so
// a search never sees tags that are not stored. Tags are lowercased here,
// as the search lowercases its terms, so both sides agree on one rule.
const (
	sqlIndexUserTags = `INSERT INTO tagindex (tag, uid) SELECT DISTINCT unnest($1::text[]), $2::bigint
		ON CONFLICT DO NOTHING`
	sqlIndexTopicTags = `INSERT INTO tagindex (tag, topic) SELECT DISTINCT unnest($1::text[]), $2::text
		ON CONFLICT DO NOTHING`
	sqlUnindexUser  = `DELETE FROM tagindex WHERE uid = $1 AND uid <> 0`
	sqlUnindexTopic = `DELETE FROM tagindex WHERE topic = $1 AND topic <> ''`
	// The ranking happens in SQL so that only limit rows come back;
	// "uid < 0" sorts bit-cast ids as the unsigned numbers they are.
	sqlFindByTags = `SELECT uid, topic, array_agg(tag) FROM (
			SELECT tag, uid, topic FROM tagindex WHERE tag = ANY($1)
			UNION SELECT uniq, uid, '' FROM auth WHERE uniq = ANY($1) AND scheme = 'basic') x
		GROUP BY uid, topic ORDER BY COUNT(*) DESC, uid < 0, uid, topic LIMIT $2`
)

// lowerAll lowercases tags for the index or a search, leaving out those
// PostgreSQL's text cannot hold (a NUL): such a tag is kept in the owner's
// tags but cannot be searched for, and a search term with one matches
// nothing, instead of failing the statement.
func lowerAll(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if storable(t) {
			out = append(out, strings.ToLower(t))
		}
	}
	return out
}

// indexUserTags replaces the user's rows in the tag index.
func indexUserTags(w *writeTx, user proto.Uid, tags []string) error {
	if _, err := w.exec(sqlUnindexUser, uidArg(user)); err != nil {
		return err
	}
	if tags = lowerAll(tags); len(tags) == 0 {
		return nil
	}
	_, err := w.exec(sqlIndexUserTags, tags, uidArg(user))
	return err
}

// indexTopicTags replaces the topic's rows in the tag index.
func indexTopicTags(w *writeTx, topic string, tags []string) error {
	if _, err := w.exec(sqlUnindexTopic, topic); err != nil {
		return err
	}
	if tags = lowerAll(tags); len(tags) == 0 {
		return nil
	}
	_, err := w.exec(sqlIndexTopicTags, tags, topic)
	return err
}

// FindByTags looks the tags up in the tag index and in the basic logins' auth
// keys (other keys, such as a shop's customer id, are private).
func (s *Store) FindByTags(ctx context.Context, tags []string, limit int) ([]store.TagMatch, error) {
	if tags = lowerAll(tags); len(tags) == 0 || limit <= 0 {
		return nil, nil
	}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlFindByTags, tags, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TagMatch
	for rows.Next() {
		var m store.TagMatch
		if err := rows.Scan(intoUid{P: &m.User}, &m.Topic, &m.Tags); err != nil {
			return nil, err
		}
		slices.Sort(m.Tags)
		out = append(out, m)
	}
	return out, rows.Err()
}

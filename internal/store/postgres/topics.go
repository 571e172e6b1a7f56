package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/store"
)

const (
	// topicCols is the column list topicDest scans into, prefixed for joins.
	topicCols = `t.name, t.created, t.updated, t.touched, t.owner, t.auth_access, t.anon_access,
		t.seq, t.delid, t.epoch, t.public, t.trusted, t.tags`
	sqlInsertTopic = `INSERT INTO topics (name, created, updated, touched, owner, auth_access,
		anon_access, seq, delid, epoch, public, trusted, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, $10, $11)`
	sqlGetTopic = `SELECT ` + topicCols + ` FROM topics t WHERE t.name = $1`
)

// Deleting a topic deletes its rows everywhere. It first locks the topic
// row, the lock Append takes first too, so the two never deadlock.
const (
	sqlLockTopic       = `SELECT 1 FROM topics WHERE name = $1 FOR UPDATE`
	sqlDeleteTopicSubs = `DELETE FROM subscriptions WHERE topic = $1`
	sqlDeleteTopicMsgs = `DELETE FROM messages WHERE topic = $1`
	sqlDeleteTopicLog  = `DELETE FROM dellog WHERE topic = $1`
	sqlDeleteTopicDevs = `DELETE FROM device_marks WHERE topic = $1`
	sqlDeleteTopicTags = `DELETE FROM tagindex WHERE topic = $1`
	sqlDeleteTopic     = `DELETE FROM topics WHERE name = $1`
)

// topicDest lists where a scan puts topicCols.
func topicDest(t *store.Topic) []any {
	return []any{&t.Name, intoTime{P: &t.CreatedAt}, intoTime{P: &t.UpdatedAt}, intoTime{P: &t.TouchedAt},
		intoUid{P: &t.Owner}, intoMode{P: &t.Access.Auth}, intoMode{P: &t.Access.Anon},
		intoInt{&t.SeqID}, intoInt{&t.DelID}, &t.Epoch, intoJSON{P: &t.Public}, intoJSON{P: &t.Trusted}, intoTags{P: &t.Tags}}
}

// CreateTopic stores t, with seq and delete id 0, and its first
// subscriptions in one transaction. The subscriptions are stored under
// t.Name whatever their Topic says.
func (s *Store) CreateTopic(ctx context.Context, t *store.Topic, subs []store.Subscription) error {
	tags, err := tagsArg(t.Tags)
	if err != nil {
		return err
	}
	return s.write(ctx, func(w *writeTx) error {
		_, err := w.exec(sqlInsertTopic, t.Name, millis(t.CreatedAt), millis(t.UpdatedAt),
			millis(t.TouchedAt), uidArg(t.Owner), modeArg(t.Access.Auth), modeArg(t.Access.Anon),
			t.Epoch, jsonArg(t.Public), jsonArg(t.Trusted), tags)
		if err != nil {
			return storeErr(err)
		}
		if err := indexTopicTags(w, t.Name, t.Tags); err != nil {
			return err
		}
		for i := range subs {
			sub := subs[i]
			sub.Topic = t.Name
			if err := insertSub(w, &sub); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetTopic returns the topic or ErrNotFound.
func (s *Store) GetTopic(ctx context.Context, name string) (*store.Topic, error) {
	t := &store.Topic{}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	if err := s.pool.QueryRow(ctx, sqlGetTopic, name).Scan(topicDest(t)...); err != nil {
		return nil, storeErr(err)
	}
	return t, nil
}

// UpdateTopic changes the set fields of upd; ErrNotFound if there is no
// topic.
func (s *Store) UpdateTopic(ctx context.Context, name string, upd store.TopicUpdate) error {
	var set setList
	set.time("updated", upd.UpdatedAt)
	if upd.Owner != nil {
		set.add("owner", uidArg(*upd.Owner))
	}
	if upd.Access != nil {
		set.add("auth_access", modeArg(upd.Access.Auth))
		set.add("anon_access", modeArg(upd.Access.Anon))
	}
	if upd.Epoch != nil {
		set.add("epoch", *upd.Epoch)
	}
	set.json("public", upd.Public)
	set.json("trusted", upd.Trusted)
	if err := set.tags("tags", upd.Tags); err != nil {
		return err
	}
	return s.write(ctx, func(w *writeTx) error {
		if err := set.apply(w, "topics", "name = $1", name); err != nil || upd.Tags == nil {
			return err
		}
		return indexTopicTags(w, name, upd.Tags)
	})
}

// DeleteTopic removes the topic and everything stored under it;
// ErrNotFound if there is no topic.
func (s *Store) DeleteTopic(ctx context.Context, name string) error {
	return s.write(ctx, func(w *writeTx) error {
		var one int
		if err := w.queryRow(sqlLockTopic, name).Scan(&one); err != nil {
			return storeErr(err)
		}
		for _, q := range []string{sqlDeleteTopicSubs, sqlDeleteTopicMsgs, sqlDeleteTopicLog,
			sqlDeleteTopicDevs, sqlDeleteTopicTags} {
			if _, err := w.exec(q, name); err != nil {
				return err
			}
		}
		return mustAffect(w.exec(sqlDeleteTopic, name))
	})
}

// RenewEpochs gives every topic a new epoch from fresh, in one transaction.
func (s *Store) RenewEpochs(ctx context.Context, fresh func() int64) (int, error) {
	n := 0
	err := s.write(ctx, func(w *writeTx) error {
		rows, err := w.query(`SELECT name FROM topics ORDER BY name FOR UPDATE`)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		epochs := make([]int64, len(names))
		for i := range names {
			epochs[i] = fresh()
		}
		_, err = w.exec(`UPDATE topics t SET epoch = v.epoch
			FROM unnest($1::text[], $2::bigint[]) AS v(name, epoch) WHERE t.name = v.name`, names, epochs)
		n = len(names)
		return err
	})
	return n, err
}

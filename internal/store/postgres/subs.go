package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	// subCols is the column list subDest reads, prefixed for joins.
	subCols      = `s.topic, s.uid, s.created, s.updated, s.want, s.given, s.private, s.recv, s.read`
	sqlInsertSub = `INSERT INTO subscriptions (topic, uid, created, updated, want, given, private, recv, read)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	sqlGetSub     = `SELECT ` + subCols + ` FROM subscriptions s WHERE s.topic = $1 AND s.uid = $2`
	sqlTopicSubs  = `SELECT ` + subCols + ` FROM subscriptions s WHERE s.topic = $1`
	sqlUserTopics = `SELECT ` + subCols + `, ` + topicCols + `
		FROM subscriptions s JOIN topics t ON t.name = s.topic
		WHERE s.uid = $1 ORDER BY t.touched DESC NULLS LAST, t.name`
	// In an UPDATE every right-hand side sees the old row, so recv is raised
	// to the new read as well as to the new recv.
	sqlUpdateMarks = `UPDATE subscriptions SET recv = GREATEST(recv, $1, $2), read = GREATEST(read, $2)
		WHERE topic = $3 AND uid = $4`
	sqlDeleteSub     = `DELETE FROM subscriptions WHERE topic = $1 AND uid = $2`
	sqlDeleteSubDevs = `DELETE FROM device_marks WHERE topic = $1 AND uid = $2`
)

// subDest lists where a scan puts subCols.
func subDest(s *store.Subscription) []any {
	return []any{&s.Topic, intoUid{P: &s.User}, intoTime{P: &s.CreatedAt}, intoTime{P: &s.UpdatedAt},
		intoMode{P: &s.ModeWant}, intoMode{P: &s.ModeGiven}, intoJSON{P: &s.Private},
		intoInt{&s.RecvSeqID}, intoInt{&s.ReadSeqID}}
}

func insertSub(w *writeTx, s *store.Subscription) error {
	_, err := w.exec(sqlInsertSub, s.Topic, uidArg(s.User), millis(s.CreatedAt), millis(s.UpdatedAt),
		modeArg(s.ModeWant), modeArg(s.ModeGiven), jsonArg(s.Private), s.RecvSeqID, s.ReadSeqID)
	return storeErr(err)
}

// CreateSub stores s; ErrDuplicate if it exists, ErrNotFound if its topic
// does not.
func (s *Store) CreateSub(ctx context.Context, sub *store.Subscription) error {
	return s.write(ctx, func(w *writeTx) error { return insertSub(w, sub) })
}

// GetSub returns the subscription or ErrNotFound.
func (s *Store) GetSub(ctx context.Context, topic string, user proto.Uid) (*store.Subscription, error) {
	sub := &store.Subscription{}
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	err := s.pool.QueryRow(ctx, sqlGetSub, topic, uidArg(user)).Scan(subDest(sub)...)
	if err != nil {
		return nil, storeErr(err)
	}
	return sub, nil
}

// TopicSubs lists the topic's subscriptions by user id. They are sorted
// here because the database orders the bit-cast ids as signed numbers.
func (s *Store) TopicSubs(ctx context.Context, topic string) ([]store.Subscription, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlTopicSubs, topic)
	if err != nil {
		return nil, err
	}
	subs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Subscription, error) {
		var sub store.Subscription
		return sub, row.Scan(subDest(&sub)...)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(subs, func(a, b store.Subscription) int { return cmp.Compare(a.User, b.User) })
	return subs, nil
}

// UserTopics lists the user's subscriptions with their topics, most
// recently touched first.
func (s *Store) UserTopics(ctx context.Context, user proto.Uid) ([]store.UserTopic, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sqlUserTopics, uidArg(user))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.UserTopic, error) {
		var ut store.UserTopic
		return ut, row.Scan(append(subDest(&ut.Sub), topicDest(&ut.Topic)...)...)
	})
}

// UpdateSub changes the set fields of upd; ErrNotFound if there is no
// subscription.
func (s *Store) UpdateSub(ctx context.Context, topic string, user proto.Uid, upd store.SubUpdate) error {
	var set setList
	set.time("updated", upd.UpdatedAt)
	if upd.ModeWant != nil {
		set.add("want", modeArg(*upd.ModeWant))
	}
	if upd.ModeGiven != nil {
		set.add("given", modeArg(*upd.ModeGiven))
	}
	set.json("private", upd.Private)
	return s.write(ctx, func(w *writeTx) error {
		return set.apply(w, "subscriptions", "topic = $1 AND uid = $2", topic, uidArg(user))
	})
}

// UpdateMarks raises the read marks; ErrNotFound if there is no
// subscription.
// The committer raises the marks of a batch's calls together (marks.go).
func (s *Store) UpdateMarks(ctx context.Context, topic string, user proto.Uid, recv, read int) error {
	j := marksJob(ctx, markUpdate{topic: topic, user: user, recv: recv, read: read})
	if err := s.enqueue(j); err != nil {
		return err
	}
	return <-j.done
}

// DeleteSub removes the subscription and its device marks; ErrNotFound if
// there was none.
func (s *Store) DeleteSub(ctx context.Context, topic string, user proto.Uid) error {
	return s.write(ctx, func(w *writeTx) error {
		if _, err := w.exec(sqlDeleteSubDevs, topic, uidArg(user)); err != nil {
			return err
		}
		return mustAffect(w.exec(sqlDeleteSub, topic, uidArg(user)))
	})
}

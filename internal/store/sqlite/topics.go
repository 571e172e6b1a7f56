package sqlite

import (
	"cmp"
	"context"
	"slices"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

const (
	// topicCols is the column list topicDest scans into, prefixed for joins.
	topicCols = `t.name, t.created, t.updated, t.touched, t.owner, t.auth_access, t.anon_access,
		t.seq, t.delid, t.epoch, t.public, t.trusted, t.tags`
	sqlInsertTopic = `INSERT INTO topics (name, created, updated, touched, owner, auth_access,
		anon_access, seq, delid, epoch, public, trusted, tags)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?)`
	sqlGetTopic = `SELECT ` + topicCols + ` FROM topics t WHERE t.name = ?`
)

// Deleting a topic deletes its rows everywhere. Foreign keys would cascade
// too; doing it explicitly keeps the rule visible here.
const (
	sqlDeleteTopicSubs = `DELETE FROM subscriptions WHERE topic = ?`
	sqlDeleteTopicMsgs = `DELETE FROM messages WHERE topic = ?`
	sqlDeleteTopicLog  = `DELETE FROM dellog WHERE topic = ?`
	sqlDeleteTopicDevs = `DELETE FROM device_marks WHERE topic = ?`
	sqlDeleteTopicTags = `DELETE FROM tagindex WHERE topic = ?`
	sqlDeleteTopic     = `DELETE FROM topics WHERE name = ?`
)

// topicDest lists where a scan puts topicCols.
func topicDest(t *store.Topic) []any {
	return []any{&t.Name, intoTime{P: &t.CreatedAt}, intoTime{P: &t.UpdatedAt}, intoTime{P: &t.TouchedAt},
		intoUid{P: &t.Owner}, intoMode{P: &t.Access.Auth}, intoMode{P: &t.Access.Anon},
		&t.SeqID, &t.DelID, &t.Epoch, intoJSON{P: &t.Public}, intoJSON{P: &t.Trusted}, intoTags{P: &t.Tags}}
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
	if err := s.ldb.QueryRowContext(ctx, sqlGetTopic, name).Scan(topicDest(t)...); err != nil {
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
		if err := set.apply(w, "topics", "name = ?", name); err != nil || upd.Tags == nil {
			return err
		}
		return indexTopicTags(w, name, upd.Tags)
	})
}

// DeleteTopic removes the topic and everything stored under it;
// ErrNotFound if there is no topic.
func (s *Store) DeleteTopic(ctx context.Context, name string) error {
	return s.write(ctx, func(w *writeTx) error {
		for _, q := range []string{sqlDeleteTopicSubs, sqlDeleteTopicMsgs, sqlDeleteTopicLog, sqlDeleteTopicDevs, sqlDeleteTopicTags} {
			if _, err := w.exec(q, name); err != nil {
				return err
			}
		}
		return mustAffect(w.exec(sqlDeleteTopic, name))
	})
}

const (
	// subCols is the column list subDest reads, prefixed for joins.
	subCols      = `s.topic, s.user, s.created, s.updated, s.want, s.given, s.private, s.recv, s.read`
	sqlInsertSub = `INSERT INTO subscriptions (topic, user, created, updated, want, given, private, recv, read)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlGetSub     = `SELECT ` + subCols + ` FROM subscriptions s WHERE s.topic = ? AND s.user = ?`
	sqlTopicSubs  = `SELECT ` + subCols + ` FROM subscriptions s WHERE s.topic = ?`
	sqlUserTopics = `SELECT ` + subCols + `, ` + topicCols + `
		FROM subscriptions s JOIN topics t ON t.name = s.topic
		WHERE s.user = ? ORDER BY t.touched DESC, t.name`
	// In an UPDATE every right-hand side sees the old row, so recv is raised
	// to the new read as well as to the new recv.
	sqlUpdateMarks = `UPDATE subscriptions SET recv = MAX(recv, ?, ?), read = MAX(read, ?)
		WHERE topic = ? AND user = ?`
	sqlDeleteSub     = `DELETE FROM subscriptions WHERE topic = ? AND user = ?`
	sqlDeleteSubDevs = `DELETE FROM device_marks WHERE topic = ? AND user = ?`
)

// subDest lists where a scan puts subCols.
func subDest(s *store.Subscription) []any {
	return []any{&s.Topic, intoUid{P: &s.User}, intoTime{P: &s.CreatedAt}, intoTime{P: &s.UpdatedAt},
		intoMode{P: &s.ModeWant}, intoMode{P: &s.ModeGiven}, intoJSON{P: &s.Private}, &s.RecvSeqID, &s.ReadSeqID}
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
	err := s.ldb.QueryRowContext(ctx, sqlGetSub, topic, uidArg(user)).Scan(subDest(sub)...)
	if err != nil {
		return nil, storeErr(err)
	}
	return sub, nil
}

// TopicSubs lists the topic's subscriptions by user id. They are sorted
// here because the database orders the bit-cast ids as signed numbers.
func (s *Store) TopicSubs(ctx context.Context, topic string) ([]store.Subscription, error) {
	rows, err := s.ldb.QueryContext(ctx, sqlTopicSubs, topic)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var subs []store.Subscription
	for rows.Next() {
		var sub store.Subscription
		if err := rows.Scan(subDest(&sub)...); err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(subs, func(a, b store.Subscription) int {
		return cmp.Compare(a.User, b.User)
	})
	return subs, nil
}

// UserTopics lists the user's subscriptions with their topics, most
// recently touched first.
func (s *Store) UserTopics(ctx context.Context, user proto.Uid) ([]store.UserTopic, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlUserTopics, uidArg(user))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.UserTopic
	for rows.Next() {
		var ut store.UserTopic
		if err := rows.Scan(append(subDest(&ut.Sub), topicDest(&ut.Topic)...)...); err != nil {
			return nil, err
		}
		out = append(out, ut)
	}
	return out, rows.Err()
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
		return set.apply(w, "subscriptions", "topic = ? AND user = ?", topic, uidArg(user))
	})
}

// UpdateMarks raises the read marks; ErrNotFound if there is no
// subscription.
func (s *Store) UpdateMarks(ctx context.Context, topic string, user proto.Uid, recv, read int) error {
	return s.writeMarks(ctx, func(w *writeTx) error {
		return mustAffect(w.stmts.updateMarks.Exec(recv, read, read, topic, uidArg(user)))
	})
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

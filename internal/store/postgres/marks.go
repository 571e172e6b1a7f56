package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Every receiver acknowledges what it got (a recv note), so a busy gateway
// sends as many UpdateMarks calls as messages. Run one by one, each would
// cost the committer three round trips (savepoint, update, release); the
// committer instead raises all marks of a batch with one statement.

// sqlRaiseMarks raises many subscriptions' marks and returns the ones it
// found. Each subscription appears once in the arrays: UPDATE … FROM would
// apply only one of several matches.
const sqlRaiseMarks = `UPDATE subscriptions s
	SET recv = GREATEST(s.recv, v.recv, v.read), read = GREATEST(s.read, v.read)
	FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(topic, uid, recv, read)
	WHERE s.topic = v.topic AND s.uid = v.uid
	RETURNING s.topic, s.uid`

// markUpdate is one UpdateMarks call.
type markUpdate struct {
	topic      string
	user       proto.Uid
	recv, read int
}

// subKey names a subscription.
type subKey struct {
	topic string
	user  proto.Uid
}

// marksJob is the committer's job for one UpdateMarks call.
func marksJob(ctx context.Context, u markUpdate) *job {
	return &job{ctx: ctx, done: make(chan error, 1), marks: &u, run: func(w *writeTx) error {
		return mustAffect(w.exec(sqlUpdateMarks, int64(u.recv), int64(u.read), u.topic, uidArg(u.user)))
	}}
}

// mergeMarks raises the marks of every UpdateMarks job in batch whose errs
// entry is nil in one statement, recording ErrNotFound for the calls whose
// subscription does not exist, and marks them done (merged[i]); when
// nothing else is left to run, the COMMIT goes with it. When the
// statement fails it undoes it and leaves the jobs to run on their own.
func (w *writeTx) mergeMarks(batch []*job, errs []error, merged []bool) error {
	want := map[subKey]markUpdate{}
	var idx []int
	for i, j := range batch {
		if errs[i] != nil || merged[i] || j.marks == nil {
			continue
		}
		k := subKey{j.marks.topic, j.marks.user}
		u := want[k]
		u.recv, u.read = max(u.recv, j.marks.recv), max(u.read, j.marks.read)
		want[k] = u
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return nil
	}
	var topics []string
	var uids, recvs, reads []int64
	for k, u := range want {
		if !storable(k.topic) {
			continue // cannot exist; its calls get ErrNotFound below
		}
		topics, uids = append(topics, k.topic), append(uids, uidArg(k.user))
		recvs, reads = append(recvs, int64(u.recv)), append(reads, int64(u.read))
	}
	found := map[subKey]bool{}
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT marks`)
	b.Queue(sqlRaiseMarks, topics, uids, recvs, reads).Query(func(rs pgx.Rows) error {
		var k subKey
		_, err := pgx.ForEachRow(rs, []any{&k.topic, intoUid{P: &k.user}}, func() error {
			found[k] = true
			return nil
		})
		return err
	})
	b.Queue(`RELEASE marks`)
	if lastStep(batch, errs, merged, func(j *job) bool { return j.marks != nil }) {
		b.Queue(sqlCommit)
	}
	if err := w.send(b); err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return err // the connection, not the statement: the batch fails
		}
		if _, err := w.exec(`ROLLBACK TO marks`); err != nil {
			return err
		}
		_, err := w.exec(`RELEASE marks`)
		return err
	}
	for _, i := range idx {
		merged[i] = true
		if !found[subKey{batch[i].marks.topic, batch[i].marks.user}] {
			errs[i] = store.ErrNotFound
		}
	}
	return nil
}

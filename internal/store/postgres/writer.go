package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parley-im/parley/internal/store"
)

// job is one write request: run executes inside the batch transaction, under
// its own savepoint. done receives the request's outcome once the batch has
// committed (or failed).
type job struct {
	ctx  context.Context
	run  func(*writeTx) error
	done chan error
	// msgs and res are set for an Append call, which the committer may
	// store together with the batch's other Append calls.
	msgs []*store.Message
	res  []store.AppendResult
	// marks is set for an UpdateMarks call, likewise stored together.
	marks *markUpdate
}

// writeTx is the state a batch's jobs share.
type writeTx struct {
	tx pgx.Tx
	// ctx bounds the whole batch (Options.WriteTimeout), not one job.
	ctx context.Context
	// seqs caches each topic's last seq inside this transaction, read once
	// under the topic row's lock. It lives and dies with the transaction: a
	// failed commit must not leave seqs that were never stored.
	seqs map[string]int
}

// forget drops the seq cache, after anything that may have changed topics
// behind its back.
func (w *writeTx) forget() { clear(w.seqs) }

// exec runs a statement in the transaction. Jobs run with no deadline of
// their own, only the batch's: the batch is shared, and a caller that gave
// up is skipped before its job starts.
func (w *writeTx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	return w.tx.Exec(w.ctx, query, args...)
}

// queryRow runs a one-row query in the transaction.
func (w *writeTx) queryRow(query string, args ...any) pgx.Row {
	return w.tx.QueryRow(w.ctx, query, args...)
}

// query runs a query in the transaction.
func (w *writeTx) query(query string, args ...any) (pgx.Rows, error) {
	return w.tx.Query(w.ctx, query, args...)
}

// write runs fn in the committer and returns once its changes are durable.
func (s *Store) write(ctx context.Context, fn func(*writeTx) error) error {
	return s.submit(ctx, func(w *writeTx) error {
		defer w.forget() // fn may create or delete topics
		return fn(w)
	})
}

// submit queues run and waits for its outcome. Once queued, it waits even if
// ctx ends, because the job may already be committing: returning early would
// report a failure for a write that then succeeds.
func (s *Store) submit(ctx context.Context, run func(*writeTx) error) error {
	j := &job{ctx: ctx, run: run, done: make(chan error, 1)}
	if err := s.enqueue(j); err != nil {
		return err
	}
	return <-j.done
}

func (s *Store) enqueue(j *job) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.jobs <- j:
		return nil
	case <-j.ctx.Done():
		return j.ctx.Err()
	}
}

// commitLoop is the committer: it runs until Close closes the queue, and
// drains the queue before exiting.
func (s *Store) commitLoop() {
	defer close(s.done)
	batch := make([]*job, 0, s.maxBatch)
	for j := range s.jobs {
		batch = s.fill(append(batch[:0], j))
		s.commit(batch)
		clear(batch) // let finished jobs be collected
	}
}

// fill adds the jobs already queued, without waiting for more: group commit
// costs no latency, batches simply grow while a commit is in progress.
func (s *Store) fill(batch []*job) []*job {
	for len(batch) < s.maxBatch {
		select {
		case j, ok := <-s.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// commit runs a batch in one transaction and replies to every job.
func (s *Store) commit(batch []*job) {
	errs := make([]error, len(batch))
	live := 0
	for i, j := range batch {
		if errs[i] = j.ctx.Err(); errs[i] == nil {
			live++
		}
	}
	if live > 0 {
		if err := s.runBatch(batch, errs); err != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = err
				}
			}
		}
	}
	for i, j := range batch {
		j.done <- errs[i]
	}
}

// runBatch runs the jobs whose errs entry is nil, recording each job's own
// failure there, and commits. An error return fails the whole batch: nothing
// of it was stored. Each batch takes a connection from the pool, so a
// connection lost with a database restart costs one batch, not the store.
// The batch has WriteTimeout to commit, so a database that stops answering
// (a network partition, a stalled disk) fails writes instead of holding
// every writer forever.
func (s *Store) runBatch(batch []*job, errs []error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.writeTimeout)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	w := &writeTx{tx: tx, ctx: ctx, seqs: map[string]int{}}
	if err := w.checkFences(batch, errs); err != nil {
		return errors.Join(err, rollback(tx))
	}
	// The jobs of a batch were queued concurrently, so none has to wait
	// for another: the Append calls may go first, together.
	merged, err := w.mergeAppends(batch, errs)
	if err == nil {
		err = w.mergeMarks(batch, errs, merged)
	}
	if err != nil {
		return errors.Join(err, rollback(tx))
	}
	for i, j := range batch {
		if errs[i] != nil || merged[i] {
			continue
		}
		jobErr, txErr := w.runJob(j)
		if txErr != nil {
			return errors.Join(txErr, rollback(tx))
		}
		errs[i] = jobErr
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.commits.Add(1)
	return nil
}

// runJob runs one job under a savepoint and undoes it if it fails. txErr
// means the transaction itself is broken.
func (w *writeTx) runJob(j *job) (jobErr, txErr error) {
	if _, err := w.exec(`SAVEPOINT job`); err != nil {
		return nil, err
	}
	if jobErr = j.run(w); jobErr == nil {
		_, txErr = w.exec(`RELEASE job`)
		return nil, txErr
	}
	w.forget() // the cache may hold seqs the rollback undoes
	if _, err := w.exec(`ROLLBACK TO job`); err != nil {
		return jobErr, err
	}
	_, txErr = w.exec(`RELEASE job`)
	return jobErr, txErr
}

// rollbackTimeout bounds the rollback of a failed batch, which may have
// failed because its own deadline passed.
const rollbackTimeout = 5 * time.Second

// rollback undoes a failed batch. If the database does not answer, pgx
// closes the connection, which undoes the transaction all the same.
func rollback(tx pgx.Tx) error {
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	return tx.Rollback(ctx)
}

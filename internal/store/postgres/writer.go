package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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
	// conn is the pooled connection the transaction runs on (txconn.go);
	// begun is whether its BEGIN has been sent, ended whether its COMMIT
	// went with the last statements.
	conn         *pgxpool.Conn
	begun, ended bool
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
	s.batches.Run(s.commit)
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
		if err := s.runBatch(batch, errs, live); err != nil {
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

// runBatch runs the jobs whose errs entry is nil (live of them), recording
// each job's own failure there, and commits. An error return fails the
// whole batch: nothing of it was stored. Each batch takes a connection from
// the pool, so a connection lost with a database restart costs one batch,
// not the store. The batch has WriteTimeout to commit, so a database that
// stops answering (a network partition, a stalled disk) fails writes
// instead of holding every writer forever.
func (s *Store) runBatch(batch []*job, errs []error, live int) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.writeTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	w := &writeTx{conn: conn, ctx: ctx, seqs: map[string]int{}}
	if err := w.runJobs(batch, errs, live); err != nil {
		return errors.Join(err, w.rollback())
	}
	if err := w.commit(); err != nil {
		return err
	}
	s.commits.Add(1)
	return nil
}

// runJobs runs the live jobs of batch in w's transaction. An error return
// means the transaction is to be rolled back.
func (w *writeTx) runJobs(batch []*job, errs []error, live int) error {
	if err := w.checkFences(batch, errs); err != nil {
		return err
	}
	// The jobs of a batch were queued concurrently, so none has to wait
	// for another: the Append calls may go first, together.
	merged, err := w.mergeAppends(batch, errs)
	if err == nil {
		err = w.mergeMarks(batch, errs, merged)
	}
	if err != nil {
		return err
	}
	for i, j := range batch {
		if errs[i] != nil || merged[i] {
			continue
		}
		if live == 1 {
			// Alone in the transaction: its failure rolls the transaction
			// back, which fails nothing else, so it needs no savepoint (two
			// round trips less).
			if errs[i] = j.run(w); errs[i] != nil {
				return errRolledBack
			}
			continue
		}
		jobErr, txErr := w.runJob(j)
		if txErr != nil {
			return txErr
		}
		errs[i] = jobErr
	}
	return nil
}

// lastStep reports whether a step storing the live jobs of batch that
// takes leaves nothing else to run (merged[i]: job i is stored already), so
// the COMMIT may go with it.
func lastStep(batch []*job, errs []error, merged []bool, takes func(*job) bool) bool {
	for i, j := range batch {
		if errs[i] == nil && !takes(j) && !merged[i] {
			return false
		}
	}
	return true
}

// errRolledBack ends a transaction whose one request failed: the request
// keeps its own error, and nothing was committed.
var errRolledBack = errors.New("postgres: the request failed and its transaction was rolled back")

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

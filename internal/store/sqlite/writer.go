package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// job is one write request: run executes inside the batch transaction, under
// its own savepoint. done receives the request's outcome once the batch has
// committed (or failed).
type job struct {
	ctx  context.Context
	run  func(*writeTx) error
	done chan error
}

// writeTx is the state a batch's jobs share.
type writeTx struct {
	conn  *sql.Conn // the write connection, inside the batch's transaction
	stmts *writeStmts
	// seqs caches each topic's last seq inside this transaction (-1: no such
	// topic), so a batch reads it once per topic. It lives and dies with the
	// transaction: a failed commit must not leave seqs that were never
	// stored.
	seqs map[string]int
	// committed are the seqs earlier transactions committed (seqcache.go),
	// read where seqs has none unless stale: once anything but Append ran
	// in this transaction, they may no longer be true.
	committed seqCache
	stale     bool
}

// forget drops the seq cache, after anything that may have changed topics
// behind its back.
func (w *writeTx) forget() { clear(w.seqs); w.stale = true }

// exec runs a statement in the transaction. Jobs run with no deadline of
// their own: the batch is shared, and a caller that gave up is skipped
// before its job starts.
func (w *writeTx) exec(query string, args ...any) (sql.Result, error) {
	return w.conn.ExecContext(context.Background(), query, args...)
}

// queryRow runs a one-row query in the transaction.
func (w *writeTx) queryRow(query string, args ...any) *sql.Row {
	return w.conn.QueryRowContext(context.Background(), query, args...)
}

// query runs a query in the transaction.
func (w *writeTx) query(query string, args ...any) (*sql.Rows, error) {
	return w.conn.QueryContext(context.Background(), query, args...)
}

// write runs fn in the committer and returns once its changes are durable.
func (s *Store) write(ctx context.Context, fn func(*writeTx) error) error {
	return s.submit(ctx, func(w *writeTx) error {
		defer w.forget() // fn may create or delete topics
		return fn(w)
	})
}

// writeMarks is write for the marks every receipt moves: they leave the
// topics alone, so the committed seqs stay (seqcache.go).
func (s *Store) writeMarks(ctx context.Context, fn func(*writeTx) error) error {
	return s.submit(ctx, fn)
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

// commitLoop is the committer: it owns the write connection until Close
// closes the queue, and drains the queue before exiting.
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

// runBatch runs the live jobs (those whose errs entry is nil), recording
// each job's own failure there, and commits. An error return fails the
// whole batch: nothing of it was stored.
//
// The transaction is run with prepared BEGIN IMMEDIATE, COMMIT and ROLLBACK
// statements on the write connection rather than through database/sql's Tx,
// whose driver parsed BEGIN and COMMIT again for every transaction.
func (s *Store) runBatch(batch []*job, errs []error, live int) error {
	if _, err := s.stmts.begin.Exec(); err != nil {
		return err
	}
	w := &writeTx{conn: s.wconn, stmts: s.stmts, seqs: map[string]int{}}
	s.seqs.begin(w)
	if err := s.runJobs(w, batch, errs, live); err != nil {
		s.seqs.failed()
		return err
	}
	s.seqs.committed(w)
	s.commits.Add(1)
	return nil
}

// runJobs runs the live jobs of batch in w's transaction and commits it.
func (s *Store) runJobs(w *writeTx, batch []*job, errs []error, live int) error {
	for i, j := range batch {
		if errs[i] != nil {
			continue
		}
		if live == 1 {
			// Alone in the transaction: its failure rolls the transaction
			// back, which fails nothing else, so it needs no savepoint (two
			// statements less per commit at light load, where most batches
			// are one request).
			if errs[i] = j.run(w); errs[i] != nil {
				return errors.Join(errRolledBack, w.rollback())
			}
			continue
		}
		jobErr, txErr := w.runJob(j)
		if txErr != nil {
			return errors.Join(txErr, w.rollback())
		}
		errs[i] = jobErr
	}
	if _, err := w.stmts.commit.Exec(); err != nil {
		// A COMMIT that failed may leave the transaction open (SQLITE_BUSY)
		// or have rolled it back already (an I/O error): either way it must
		// not be open when the next batch begins.
		w.rollback()
		return err
	}
	return nil
}

// rollback ends the transaction, undoing all of it.
func (w *writeTx) rollback() error {
	_, err := w.stmts.rollback.Exec()
	return err
}

// errRolledBack ends a transaction whose one request failed: the request
// keeps its own error, and nothing was committed.
const errRolledBack = constError("sqlite: the request failed and its transaction was rolled back")

// runJob runs one job under a savepoint and undoes it if it fails. txErr
// means the transaction itself is broken.
func (w *writeTx) runJob(j *job) (jobErr, txErr error) {
	if _, err := w.stmts.savepoint.Exec(); err != nil {
		return nil, err
	}
	if jobErr = j.run(w); jobErr == nil {
		_, txErr = w.stmts.release.Exec()
		return nil, txErr
	}
	w.forget() // the cache may hold seqs the rollback undoes
	if _, err := w.stmts.rollbackTo.Exec(); err != nil {
		return jobErr, err
	}
	_, txErr = w.stmts.release.Exec()
	return jobErr, txErr
}

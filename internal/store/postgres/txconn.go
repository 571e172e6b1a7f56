package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The committer's transaction runs on one pooled connection, and its BEGIN
// is not a round trip of its own: it is sent with the transaction's first
// statements. Nor, when the batch's last step stores merged Append or
// UpdateMarks calls, is its COMMIT: it goes with that step's statements.
// At light load, where a batch is one or a few Append calls, that makes a
// transaction two round trips instead of four. Each round trip costs the
// gateway a write, a wait and a wake-up, and costs the database as much
// again.

// sqlCommit ends a transaction, sent on its own or after a batch's last
// statements.
const sqlCommit = `COMMIT`

// errCommitRolledBack is a COMMIT the database answered with ROLLBACK: an
// earlier statement had failed, so nothing was stored.
var errCommitRolledBack = errors.New("postgres: the transaction was rolled back at commit")

// send runs the statements of b in one round trip, opening the transaction
// first if nothing has been sent yet. Its results are read through the
// queued queries' callbacks.
func (w *writeTx) send(b *pgx.Batch) error {
	if !w.begun {
		withBegin := &pgx.Batch{}
		withBegin.Queue(`BEGIN`)
		withBegin.QueuedQueries = append(withBegin.QueuedQueries, b.QueuedQueries...)
		b, w.begun = withBegin, true
	}
	err := w.conn.SendBatch(w.ctx, b).Close()
	// After a failed statement the database skips the rest of the batch,
	// its COMMIT included.
	if q := b.QueuedQueries; err == nil && len(q) > 0 && q[len(q)-1].SQL == sqlCommit {
		w.ended = true
	}
	return err
}

// begin opens the transaction on its own, for a statement that cannot
// travel with it.
func (w *writeTx) begin() error {
	if w.begun {
		return nil
	}
	w.begun = true
	_, err := w.conn.Exec(w.ctx, `BEGIN`)
	return err
}

// exec runs a statement in the transaction. Jobs run with no deadline of
// their own, only the batch's: the batch is shared, and a caller that gave
// up is skipped before its job starts. A statement with arguments, which
// the extended protocol carries one at a time, goes with the BEGIN when it
// opens the transaction; one without may be several statements, which only
// the simple protocol runs, so the BEGIN goes ahead of it.
func (w *writeTx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	if w.begun || len(args) == 0 {
		if err := w.begin(); err != nil {
			return pgconn.CommandTag{}, err
		}
		return w.conn.Exec(w.ctx, query, args...)
	}
	var tag pgconn.CommandTag
	b := &pgx.Batch{}
	b.Queue(query, args...).Exec(func(ct pgconn.CommandTag) error {
		tag = ct
		return nil
	})
	return tag, w.send(b)
}

// queryRow runs a one-row query in the transaction.
func (w *writeTx) queryRow(query string, args ...any) pgx.Row {
	if err := w.begin(); err != nil {
		return errRow{err}
	}
	return w.conn.QueryRow(w.ctx, query, args...)
}

// query runs a query in the transaction.
func (w *writeTx) query(query string, args ...any) (pgx.Rows, error) {
	if err := w.begin(); err != nil {
		return nil, err
	}
	return w.conn.Query(w.ctx, query, args...)
}

// commit ends the transaction, storing it, unless its COMMIT went with
// the last statements; a transaction that never sent a statement has
// nothing to store.
func (w *writeTx) commit() error {
	if !w.begun || w.ended {
		return nil
	}
	tag, err := w.conn.Exec(w.ctx, sqlCommit)
	if err != nil {
		w.closeIfInTx()
		return err
	}
	if tag.String() == "ROLLBACK" {
		return errCommitRolledBack
	}
	return nil
}

// rollback undoes the transaction. It has rollbackTimeout of its own: the
// batch may have failed because its deadline passed. If the database does
// not answer, the connection is closed, which undoes the transaction all
// the same.
func (w *writeTx) rollback() error {
	if !w.begun {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	_, err := w.conn.Exec(ctx, `ROLLBACK`)
	if err != nil {
		w.closeIfInTx()
	}
	return err
}

// closeIfInTx closes a connection left inside a transaction, so the pool
// never hands it out again.
func (w *writeTx) closeIfInTx() {
	if w.conn.Conn().PgConn().TxStatus() != 'I' {
		w.conn.Conn().Close(context.Background()) //nolint:errcheck // the statement's error is the one to report
	}
}

// errRow is the row of a query that could not be sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-im/parley/internal/store"
)

// migration9 adds what a cluster of gateways shares besides the data: one
// lease row per shard of topics (who owns them, under which epoch, until
// when) and one heartbeat row per node. Times are the database's, so the
// nodes' clocks never have to agree.
const migration9 = `
CREATE TABLE shard_lease (
	shard      integer PRIMARY KEY,
	node       text NOT NULL,
	epoch      bigint NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE TABLE cluster_nodes (
	node       text PRIMARY KEY,
	expires_at timestamptz NOT NULL
);
`

const (
	// A free or expired row changes hands and its epoch rises; the holder's
	// own row only moves its expiry. The WHERE of the upsert leaves a row
	// held by another node alone, and then RETURNING gives nothing.
	sqlAcquireLease = `INSERT INTO shard_lease AS l (shard, node, epoch, expires_at)
		VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
		ON CONFLICT (shard) DO UPDATE SET node = EXCLUDED.node,
			epoch = CASE WHEN l.node = EXCLUDED.node AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
			expires_at = EXCLUDED.expires_at
		WHERE l.expires_at <= now() OR l.node = EXCLUDED.node
		RETURNING shard, node, epoch, expires_at`
	sqlReadLeases  = `SELECT shard, node, epoch, expires_at FROM shard_lease WHERE shard = ANY($1)`
	sqlRenewLeases = `UPDATE shard_lease SET expires_at = now() + $3 * interval '1 millisecond'
		WHERE node = $1 AND shard = ANY($2) AND expires_at > now()
		RETURNING shard, node, epoch, expires_at`
	sqlHeartbeat = `INSERT INTO cluster_nodes (node, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond')
		ON CONFLICT (node) DO UPDATE SET expires_at = EXCLUDED.expires_at`
	sqlLiveNodes    = `SELECT node FROM cluster_nodes WHERE expires_at > now() ORDER BY node`
	sqlReleaseLease = `UPDATE shard_lease SET expires_at = now() - interval '1 millisecond' WHERE node = $1`
	sqlReleaseNode  = `DELETE FROM cluster_nodes WHERE node = $1`
	// The fence: the rows are share-locked until the batch commits, so a
	// lease cannot change hands between this check and the commit; a take
	// waits for the commit, and the new owner then reads the seqs it made.
	sqlCheckFences = `SELECT shard, node, epoch FROM shard_lease WHERE shard = ANY($1) FOR SHARE`
)

// AcquireLease implements store.Leases.
func (s *Store) AcquireLease(ctx context.Context, shard int, node string, ttl time.Duration) (store.Lease, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	var l store.Lease
	err := s.pool.QueryRow(ctx, sqlAcquireLease, shard, node, ttl.Milliseconds()).
		Scan(&l.Shard, &l.Node, &l.Epoch, &l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		// Held by another node: say by whom.
		ls, err := s.ReadLeases(ctx, []int{shard})
		if err != nil || len(ls) == 0 {
			return store.Lease{}, errors.Join(err, fmt.Errorf("postgres: lease of shard %d vanished", shard))
		}
		return ls[0], nil
	}
	return l, err
}

// RenewLeases implements store.Leases.
func (s *Store) RenewLeases(ctx context.Context, node string, shards []int, ttl time.Duration) ([]store.Lease, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	return s.queryLeases(ctx, sqlRenewLeases, node, shards, ttl.Milliseconds())
}

// ReadLeases implements store.Leases.
func (s *Store) ReadLeases(ctx context.Context, shards []int) ([]store.Lease, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	return s.queryLeases(ctx, sqlReadLeases, shards)
}

func (s *Store) queryLeases(ctx context.Context, sql string, args ...any) ([]store.Lease, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Lease, error) {
		var l store.Lease
		err := r.Scan(&l.Shard, &l.Node, &l.Epoch, &l.Expires)
		return l, err
	})
}

// Heartbeat implements store.Leases.
func (s *Store) Heartbeat(ctx context.Context, node string, ttl time.Duration) ([]string, error) {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	if _, err := s.pool.Exec(ctx, sqlHeartbeat, node, ttl.Milliseconds()); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, sqlLiveNodes)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ReleaseNode implements store.Leases.
func (s *Store) ReleaseNode(ctx context.Context, node string) error {
	ctx, cancel := s.readContext(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, sqlReleaseLease, node)
	if err == nil {
		_, err = s.pool.Exec(ctx, sqlReleaseNode, node)
	}
	return err
}

// checkFences fails, with store.ErrFenced, every live job of the batch whose
// fence is not the current lease of its shard, and share-locks the rows of
// the others until the batch commits. Jobs without a fence are not touched.
func (w *writeTx) checkFences(batch []*job, errs []error) error {
	var shards []int32
	fenced := false
	for i, j := range batch {
		if f, ok := store.FenceFrom(j.ctx); ok && errs[i] == nil {
			shards = append(shards, int32(f.Shard))
			fenced = true
		}
	}
	if !fenced {
		return nil
	}
	rows, err := w.query(sqlCheckFences, shards)
	if err != nil {
		return err
	}
	current, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Fence, error) {
		var f store.Fence
		err := r.Scan(&f.Shard, &f.Node, &f.Epoch)
		return f, err
	})
	if err != nil {
		return err
	}
	held := map[store.Fence]bool{}
	for _, f := range current {
		held[f] = true
	}
	for i, j := range batch {
		if f, ok := store.FenceFrom(j.ctx); ok && errs[i] == nil && !held[f] {
			errs[i] = store.ErrFenced
		}
	}
	return nil
}

// Package postgres is Parley's store on PostgreSQL, for deployments that
// outgrow one machine's SQLite file or run several gateways on one shared
// database. It uses pgx's connection pool.
//
// It keeps the SQLite adapter's write model: every write goes to one
// committer goroutine, which drains whatever requests are queued into one
// transaction (group commit), gives each request its own SAVEPOINT so one
// failing request does not fail the others, commits once and then replies
// to all. A durable commit costs PostgreSQL one WAL flush, so committing
// messages one at a time would cap a hot topic near the flush rate (about
// 1.5k/s on the project's machines); batched, a flush carries hundreds.
// synchronous_commit is forced on for every connection: a message is on
// disk before Append returns, whatever the server's default says.
//
// Append also stays correct when several processes write to one database
// (a cluster): each transaction locks the rows of the topics it appends to,
// in name order, and reads their seq under that lock, so two writers can
// never give out one seq twice or skip one.
//
// Reads go straight to the pool, alongside the committer. A batch of writes
// has WriteTimeout to commit and a read without a deadline gets
// ReadTimeout, so a database that stops answering fails requests instead of
// holding them.
//
// Each role interface of package store has its own file, as in the SQLite
// adapter (users.go, auths.go, search.go, topics.go, subs.go, messages.go
// with append.go and marks.go, devices.go): a new role is a new file with
// its methods and, when it needs tables, a new entry at the end of the
// migrations in schema.go.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/groupcommit"
)

// Defaults for the zero Options.
const (
	DefaultMaxBatch     = 256
	DefaultMaxConns     = 8
	DefaultWriteTimeout = 30 * time.Second
	DefaultReadTimeout  = 30 * time.Second
)

// ErrClosed is returned by writes to a closed store.
var ErrClosed = errors.New("postgres: store is closed")

// Options tunes a store; the zero value is sensible.
type Options struct {
	// MaxBatch caps how many queued write requests share one transaction
	// and so one WAL flush. 1 commits each request on its own.
	MaxBatch int
	// CommitWait is how long the committer may wait for more requests
	// before committing a batch, waiting only for those due within it at
	// the rate they arrive (groupcommit). 0 never waits.
	CommitWait time.Duration
	// MaxConns caps the pool: the committer takes one, reads the rest.
	MaxConns int
	// WriteTimeout bounds one batch, from taking a connection to the
	// commit; a batch that takes longer fails (and is rolled back).
	WriteTimeout time.Duration
	// ReadTimeout bounds a read whose caller set no deadline of its own.
	ReadTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxConns < 2 {
		o.MaxConns = DefaultMaxConns
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	return o
}

// Store is the PostgreSQL adapter. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// batches gathers the queued jobs for the committer, waiting a little
	// for more at light load (groupcommit).
	batches      *groupcommit.Batcher[*job]
	writeTimeout time.Duration
	readTimeout  time.Duration

	mu     sync.RWMutex // closed and sends on jobs: Close must not race a send
	closed bool
	jobs   chan *job
	done   chan struct{} // closed when the committer has exited

	commits atomic.Int64 // successful transactions, for tests and benchmarks
}

var _ store.Store = (*Store)(nil)

// The customer-service roles, which the server's desk requires.
var (
	_ store.Staff         = (*Store)(nil)
	_ store.Conversations = (*Store)(nil)
	_ store.Replies       = (*Store)(nil)
	_ store.Marks         = (*Store)(nil)
)

// Open connects to the database named by url (postgres://user@host:port/db,
// with any of pgx's connection parameters; search_path selects a schema),
// brings its schema up to date and starts the committer.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return openPool(ctx, cfg, opts)
}

// openPool is Open with the pool's configuration parsed.
func openPool(ctx context.Context, cfg *pgxpool.Config, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	// Durable before acknowledged, whatever postgresql.conf says.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	cfg.MaxConns = int32(opts.MaxConns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	jobs := make(chan *job, opts.MaxBatch)
	s := &Store{
		pool:         pool,
		batches:      groupcommit.NewBatcher(jobs, opts.MaxBatch, opts.CommitWait),
		writeTimeout: opts.WriteTimeout,
		readTimeout:  opts.ReadTimeout,
		jobs:         jobs,
		done:         make(chan struct{}),
	}
	go s.commitLoop()
	return s, nil
}

// Close waits for the queued writes to commit, then closes the pool. Later
// calls return nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.jobs)
	s.mu.Unlock()
	<-s.done
	s.pool.Close()
	return nil
}

// Commits reports how many write transactions have committed; comparing it
// with the number of writes shows how well group commit batches.
func (s *Store) Commits() int64 { return s.commits.Load() }

// readContext gives a read the store's ReadTimeout unless its caller set a
// deadline: many reads come from goroutines with no deadline of their own,
// which a database that stops answering would otherwise hold forever.
func (s *Store) readContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.readTimeout)
}

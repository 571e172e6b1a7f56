// Package sqlite is Parley's embedded default store: one SQLite file, so a
// small deployment needs no database server. It uses modernc.org/sqlite, a
// pure-Go build of SQLite, so the server stays a single static binary.
//
// SQLite allows one writer at a time, and a durable commit costs an fsync,
// which would cap message throughput at the disk's fsync rate. So every
// write goes to a single committer goroutine owning the only write
// connection; it drains whatever requests are queued into one transaction
// (group commit), gives each request its own SAVEPOINT so one failing
// request does not fail the others, commits once and then replies to all.
// Reads use separate connections, which WAL mode lets run alongside the
// writer, in two pools: one for reads that may be large (history pages,
// deletion logs, searches, a user's topic list) and one for point look-ups
// by key (users, logins, topics, subscriptions). A flood of large reads then
// never stands between a login, or a topic being loaded, and the disk.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/groupcommit"
)

// Defaults for the zero Options.
const (
	DefaultMaxBatch    = 256
	DefaultReadConns   = 4
	DefaultLookupConns = 2
	DefaultBusyTimeout = 5 * time.Second
)

// ErrClosed is returned by writes to a closed store.
const ErrClosed = constError("sqlite: store is closed")

// constError lets sentinel errors be constants.
type constError string

func (e constError) Error() string { return string(e) }

// Options tunes a store; the zero value is sensible.
type Options struct {
	// MaxBatch caps how many queued write requests share one transaction
	// and so one fsync. 1 commits each request on its own.
	MaxBatch int
	// CommitWait is how long the committer may wait for more requests
	// before committing a batch, waiting only for those due within it at
	// the rate they arrive (groupcommit). 0 never waits.
	CommitWait time.Duration
	// ReadConns is the number of connections for reads that may be large.
	ReadConns int
	// LookupConns is the number of connections for look-ups by key.
	LookupConns int
	// BusyTimeout is how long to wait for a lock held by another process
	// (a backup tool, say) before failing.
	BusyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.ReadConns <= 0 {
		o.ReadConns = DefaultReadConns
	}
	if o.LookupConns <= 0 {
		o.LookupConns = DefaultLookupConns
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	return o
}

// Store is the SQLite adapter. It is safe for concurrent use.
type Store struct {
	wdb   *sql.DB   // exactly one connection, used only by the committer
	wconn *sql.Conn // that connection, held for the store's life
	rdb   *sql.DB   // read-only pool for reads that may be large
	ldb   *sql.DB   // read-only pool for look-ups by key
	stmts *writeStmts
	// batches gathers the queued jobs for the committer, waiting a little
	// for more at light load (groupcommit).
	batches *groupcommit.Batcher[*job]
	seqs    seqCache // the committer's committed seqs (seqcache.go)

	mu     sync.RWMutex // closed and sends on jobs: Close must not race a send
	closed bool
	jobs   chan *job
	done   chan struct{} // closed when the committer has exited

	commits atomic.Int64 // successful transactions, for tests and benchmarks
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Marks = (*Store)(nil)
)

// Open opens or creates the database file at path (and its directory),
// brings its schema up to date and starts the committer.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if strings.ContainsAny(path, "?#") || path == "" {
		return nil, fmt.Errorf("sqlite: unsupported database path %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	wdb, err := openWriter(path, opts)
	if err != nil {
		return nil, err
	}
	rdb, err := openReaders(path, opts, opts.ReadConns)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	ldb, err := openReaders(path, opts, opts.LookupConns)
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, err
	}
	wconn, err := wdb.Conn(context.Background())
	if err != nil {
		ldb.Close()
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	stmts, err := prepareWriteStmts(wconn)
	if err != nil {
		wconn.Close()
		ldb.Close()
		rdb.Close()
		wdb.Close()
		return nil, err
	}
	jobs := make(chan *job, opts.MaxBatch)
	s := &Store{
		wdb:     wdb,
		wconn:   wconn,
		rdb:     rdb,
		ldb:     ldb,
		stmts:   stmts,
		seqs:    seqCache{},
		jobs:    jobs,
		batches: groupcommit.NewBatcher(jobs, opts.MaxBatch, opts.CommitWait),
		done:    make(chan struct{}),
	}
	go s.commitLoop()
	return s, nil
}

// dsn builds a modernc.org/sqlite data source name; the driver runs the
// pragmas on every new connection.
func dsn(path string, opts Options, pragmas ...string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	// IMMEDIATE takes the write lock at BEGIN, so a transaction never fails
	// half-way for want of it.
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// openWriter opens the single write connection and migrates the schema.
// synchronous=FULL makes every COMMIT wait for the disk, so a message is on
// disk before it is acknowledged.
func openWriter(path string, opts Options) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, opts,
		"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openReaders opens a read pool of n connections. query_only guards
// against a write slipping past the committer.
func openReaders(path string, opts Options, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, opts, "query_only(1)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return db, nil
}

// Close waits for the queued writes to commit, then closes the database.
// Later calls return nil.
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
	return errors.Join(s.stmts.close(), s.wconn.Close(), s.ldb.Close(), s.rdb.Close(), s.wdb.Close())
}

// Commits reports how many write transactions have committed; comparing it
// with the number of writes shows how well group commit batches.
func (s *Store) Commits() int64 { return s.commits.Load() }

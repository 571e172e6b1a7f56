package server

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// storeOpenTimeout bounds connecting to PostgreSQL and migrating at start:
// a database that does not answer fails the start with its reason instead
// of hanging it.
const storeOpenTimeout = 30 * time.Second

// isPostgresURL reports whether s names a PostgreSQL database.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openStore opens the configured store: PostgreSQL when cfg.Store names
// it, else SQLite in the data directory.
func openStore(cfg *Config) (store.Store, error) {
	if cfg.Store == "" {
		return sqlite.Open(filepath.Join(cfg.DataDir, "parley.db"), sqlite.Options{MaxBatch: cfg.GroupCommit,
			CommitWait: time.Duration(cfg.GroupCommitWait)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
	defer cancel()
	st, err := postgres.Open(ctx, cfg.Store, postgres.Options{MaxBatch: cfg.GroupCommit,
		CommitWait: time.Duration(cfg.GroupCommitWait), MaxConns: cfg.MaxReads + 4})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", redactURL(cfg.Store), err)
	}
	return st, nil
}

// storeName is where the store lives, for the start-up log line: the
// PostgreSQL URL without its password, or the SQLite file.
func (s *Server) storeName() string {
	if s.cfg.Store != "" {
		return redactURL(s.cfg.Store)
	}
	path, err := filepath.Abs(filepath.Join(s.cfg.DataDir, "parley.db"))
	if err != nil {
		return filepath.Join(s.cfg.DataDir, "parley.db")
	}
	return path
}

// redactURL hides a password in a URL that is logged or reported.
func redactURL(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return "(unparsable store URL)"
}

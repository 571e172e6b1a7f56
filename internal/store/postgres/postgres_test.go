package postgres

import (
	"context"
	"testing"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
	"github.com/parley-im/parley/internal/store/storetest"
)

// openIn opens a store on a fresh schema of the database at dbURL.
func openIn(t *testing.T, dbURL string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Schema(t, dbURL), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// The suites run in parallel with each other, each on its own database,
// since most of their time is waiting for PostgreSQL.
func TestConformance(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openIn(t, db, Options{}) })
}

// TestConformanceUnbatched runs the suite with one commit per request, the
// path group commit is measured against.
func TestConformanceUnbatched(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openIn(t, db, Options{MaxBatch: 1}) })
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	url := pgtest.Schema(t, pgtest.Database(t))
	storetest.RunPersistence(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), url, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

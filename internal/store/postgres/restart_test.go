package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// When PostgreSQL crashes and comes back, what was acknowledged is there,
// the writes in flight fail with an error (never a false success), and the
// same store goes on working without being reopened.
func TestDatabaseCrashAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and crashes a PostgreSQL server")
	}
	pg := pgtest.StartPrivate(t)
	s, err := Open(t.Context(), pg.URL(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	createTestTopic(t, s)
	for i := range 10 {
		if _, err := s.Append(t.Context(), []*store.Message{msg(fmt.Sprint("before", i))}); err != nil {
			t.Fatal(err)
		}
	}
	pg.Crash()
	if _, err := s.Append(t.Context(), []*store.Message{msg("while down")}); err == nil {
		t.Fatal("Append succeeded while the database was down")
	}
	pg.Start()
	// The pool's idle connections died with the server; a write may still
	// meet one. Retry with the same msgid, as a client would, until the
	// pool has fresh ones.
	var res []store.AppendResult
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err = s.Append(t.Context(), []*store.Message{msg("after")})
		if err == nil || time.Now().After(deadline) {
			break
		}
		if errors.Is(err, ErrClosed) {
			t.Fatal(err)
		}
	}
	if err != nil {
		t.Fatalf("Append after the restart: %v", err)
	}
	if res[0].SeqID != 11 || res[0].Duplicate {
		t.Errorf("first append after the restart: %+v, want new seq 11", res[0])
	}
	msgs, err := s.GetMessages(t.Context(), testTopic, 0, store.MessageQuery{})
	if err != nil || len(msgs) != 11 {
		t.Fatalf("after the restart: %d messages, %v; want 11", len(msgs), err)
	}
}

// A database that stops answering without closing its connections (a
// network partition) fails writes after WriteTimeout instead of holding
// them forever, and the store works again once it answers.
func TestDatabaseStopsAnswering(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and freezes a PostgreSQL server")
	}
	pg := pgtest.StartPrivate(t)
	s, err := Open(t.Context(), pg.URL(), Options{WriteTimeout: time.Second, ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	createTestTopic(t, s)
	if _, err := s.Append(t.Context(), []*store.Message{msg("before")}); err != nil {
		t.Fatal(err)
	}
	pg.Freeze()
	start := time.Now()
	_, err = s.Append(t.Context(), []*store.Message{msg("frozen")})
	if err == nil {
		t.Fatal("Append succeeded while the database was frozen")
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("Append failed after %v; want about the 1 s write timeout", waited)
	}
	// A read from a caller with no deadline (topic loads have none).
	start = time.Now()
	if _, err := s.GetTopic(context.Background(), testTopic); err == nil {
		t.Fatal("GetTopic succeeded while the database was frozen")
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("GetTopic failed after %v; want about the 1 s read timeout", waited)
	}
	pg.Thaw()
	deadline := time.Now().Add(30 * time.Second)
	var res []store.AppendResult
	for {
		if res, err = s.Append(t.Context(), []*store.Message{msg("frozen")}); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("Append after the thaw: %v", err)
	}
	if res[0].SeqID != 2 {
		t.Errorf("after the thaw: %+v, want seq 2", res[0])
	}
}

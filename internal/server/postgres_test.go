package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// With --store postgres://…, the whole gateway runs on PostgreSQL:
// accounts, topics and messages outlive a restart, seqs go on where they
// stopped, and a retried msgid is recognised by the new process.
func TestServeOnPostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	onPG := func(c *server.Config) { c.Store = db }
	srv := servertest.Start(t, onPG)
	a, b := srv.Connect(t, "alice"), srv.Connect(t, "bob")
	mustCode(t, "a sub", a.Sub(b.User), 200)
	for i, id := range []string{"m1", "m2"} {
		ctrl := a.Pub(b.User, "hello", id)
		mustCode(t, "pub", ctrl, 202)
		if seq := ctrl.Int("params.seq"); seq != i+1 {
			t.Fatalf("pub %s: seq %d, want %d", id, seq, i+1)
		}
	}
	srv.Stop()

	// A new process over the same database, with an empty data directory.
	srv = servertest.Start(t, onPG)
	a = srv.Dial(t)
	a.Hi()
	mustCode(t, "login", a.Login("alice", "pass123"), 200)
	mustCode(t, "sub", a.Sub(b.User), 200)
	retry := a.Pub(b.User, "hello", "m2")
	if retry.Code() != 202 || retry.Int("params.seq") != 2 || retry.Get("params.duplicate") != true {
		t.Fatalf("retry after restart: %v, want the original seq 2 as a duplicate", retry)
	}
	if seq := a.Pub(b.User, "again", "m3").Int("params.seq"); seq != 3 {
		t.Fatalf("first new pub after restart: seq %d, want 3", seq)
	}
}

func TestStoreSettingValidated(t *testing.T) {
	cfg := server.Defaults()
	cfg.Store = "mysql://root@localhost/parley"
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("Validate(store=mysql://…) = %v, want an error naming postgres://", err)
	}
	cfg.Store = "postgresql://parley@db.internal:5432/parley"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate(postgresql://…) = %v", err)
	}
}

// A gateway whose PostgreSQL crashes stays up: a pub while the database is
// down is answered with an error, not lost in silence nor acknowledged,
// and once the database is back the same connection's retry with the same
// msgid is stored once, after everything acknowledged before.
func TestServeThroughDatabaseCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and crashes a PostgreSQL server")
	}
	t.Parallel()
	pg := pgtest.StartPrivate(t)
	srv := servertest.Start(t, func(c *server.Config) { c.Store = pg.URL() })
	a, b := srv.Connect(t, "alice"), srv.Connect(t, "bob")
	mustCode(t, "a sub", a.Sub(b.User), 200)
	mustCode(t, "pub before", a.Pub(b.User, "before", "m1"), 202)

	pg.Crash()
	if code := a.Pub(b.User, "during", "m2").Code(); code < 500 {
		t.Fatalf("pub while the database is down: code %d, want a server error", code)
	}
	pg.Start()
	// The pool may still hold connections that died with the server: retry
	// as a client would, with the same msgid, until one is stored.
	deadline := time.Now().Add(30 * time.Second)
	var ctrl Msg
	for {
		if ctrl = a.Pub(b.User, "during", "m2"); ctrl.Code() == 202 || time.Now().After(deadline) {
			break
		}
	}
	if ctrl.Code() != 202 || ctrl.Int("params.seq") != 2 {
		t.Fatalf("retry after the restart: %v, want ctrl 202 with seq 2", ctrl)
	}
	if dup := a.Pub(b.User, "during", "m2"); dup.Int("params.seq") != 2 || dup.Get("params.duplicate") != true {
		t.Fatalf("second retry: %v, want the duplicate of seq 2", dup)
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

const testTopic = "grpAAAAAAAAAAAA"

func openTemp(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "parley.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, Options{}) })
}

// TestConformanceUnbatched runs the suite with one commit per request, the
// path group commit is measured against.
func TestConformanceUnbatched(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, Options{MaxBatch: 1}) })
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "parley.db")
	storetest.RunPersistence(t, func(t *testing.T) store.Store {
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// newTestStore opens a store with one topic for the white-box tests.
func newTestStore(t *testing.T, opts Options) *Store {
	t.Helper()
	s := openTemp(t, opts)
	t.Cleanup(func() { s.Close() })
	top := &store.Topic{Name: testTopic, CreatedAt: time.Now()}
	if err := s.CreateTopic(t.Context(), top, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func msg(id string) *store.Message {
	return &store.Message{Topic: testTopic, From: 1, MsgID: id, Content: []byte(`"x"`)}
}

func TestPragmas(t *testing.T) {
	s := newTestStore(t, Options{})
	var journal string
	var sync, fk int
	err := s.write(t.Context(), func(w *writeTx) error {
		return errors.Join(
			w.queryRow(`PRAGMA journal_mode`).Scan(&journal),
			w.queryRow(`PRAGMA synchronous`).Scan(&sync),
			w.queryRow(`PRAGMA foreign_keys`).Scan(&fk))
	})
	if err != nil {
		t.Fatal(err)
	}
	if journal != "wal" || sync != 2 || fk != 1 {
		t.Errorf("journal_mode %s, synchronous %d, foreign_keys %d; want wal, 2 (FULL), 1", journal, sync, fk)
	}
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	for range 2 { // the second open must find nothing to do
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if v := schemaVersion(t, s.rdb); v != len(migrations()) {
			t.Errorf("schema version %d, want %d", v, len(migrations()))
		}
		s.Close()
	}

	// A later migration is one more entry in the list.
	db, err := openWriter(path, Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps := append(migrations(), `ALTER TABLE users ADD COLUMN state INTEGER NOT NULL DEFAULT 0`)
	if err := runSteps(t, db, steps); err != nil {
		t.Fatalf("migration %d: %v", len(steps), err)
	}
	if v := schemaVersion(t, db); v != len(steps) {
		t.Errorf("schema version after migration %d = %d", len(steps), v)
	}
	if _, err := Open(path, Options{}); err == nil {
		t.Error("Open succeeded on a database newer than the build")
	}
}

// A database made by the first release gains the device tables and keeps
// its data.
func TestMigrateFromFirstSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := sql.Open("sqlite", dsn(path, Options{}.withDefaults(), "foreign_keys(1)"))
	if err != nil {
		t.Fatal(err)
	}
	if err := runSteps(t, db, migrations()[:1]); err != nil {
		t.Fatalf("first schema: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO topics (name, seq, epoch) VALUES ('grpOld', 4, 9)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a first-release database: %v", err)
	}
	defer s.Close()
	if v := schemaVersion(t, s.rdb); v != len(migrations()) {
		t.Errorf("schema version %d, want %d", v, len(migrations()))
	}
	if top, err := s.GetTopic(t.Context(), "grpOld"); err != nil || top.SeqID != 4 || top.Epoch != 9 {
		t.Errorf("old topic after migration = %+v, %v", top, err)
	}
	if marks, err := s.DeviceMarks(t.Context(), "grpOld"); err != nil || len(marks) != 0 {
		t.Errorf("DeviceMarks after migration = %v, %v", marks, err)
	}
}

func runSteps(t *testing.T, db *sql.DB, steps []string) error {
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		return err
	}
	if err := applyMigrations(t.Context(), tx, steps); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

func schemaVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestClosed(t *testing.T) {
	s := newTestStore(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := t.Context()
	if _, err := s.Append(ctx, []*store.Message{msg("a")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if err := s.CreateUser(ctx, &store.User{ID: 1}, nil); err == nil {
		t.Error("CreateUser after Close succeeded")
	}
	if _, err := s.GetTopic(ctx, testTopic); err == nil {
		t.Error("GetTopic after Close succeeded")
	}
	if _, err := s.GetMessages(ctx, testTopic, 1, store.MessageQuery{}); err == nil {
		t.Error("GetMessages after Close succeeded")
	}
}

// TestCloseDrainsQueue checks that writes queued before Close are stored.
func TestCloseDrainsQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTopic(t.Context(), &store.Topic{Name: testTopic}, nil); err != nil {
		t.Fatal(err)
	}
	release := holdCommitter(t, s)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := s.Append(context.Background(), []*store.Message{msg("")}); err != nil {
				t.Errorf("queued Append: %v", err)
			}
		})
	}
	waitQueued(t, s, 10)
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if top, err := s.GetTopic(t.Context(), testTopic); err != nil || top.SeqID != 10 {
		t.Errorf("after reopen: %+v, %v; want SeqID 10", top, err)
	}
}

func TestCanceledAppend(t *testing.T) {
	s := newTestStore(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Append(ctx, []*store.Message{msg("a")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a canceled context: %v", err)
	}
	res, err := s.Append(t.Context(), []*store.Message{msg("a")})
	if err != nil || res[0].SeqID != 1 || res[0].Duplicate {
		t.Errorf("next Append = %+v, %v; want new seq 1", res, err)
	}
}

// holdCommitter parks the committer inside a job until release is called,
// so requests queued meanwhile share the next batch.
func holdCommitter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	go s.write(context.Background(), func(*writeTx) error {
		close(started)
		<-hold
		return nil
	})
	<-started
	return func() { close(hold) }
}

// waitQueued polls until n requests wait for the committer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.jobs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(s.jobs), n)
		}
		runtime.Gosched()
	}
}

// failOn installs a trigger failing inserts of the message with the given
// client id, with RAISE(ABORT) (the statement fails) or RAISE(ROLLBACK)
// (the whole transaction is undone).
func failOn(t *testing.T, s *Store, msgID, action string) {
	t.Helper()
	ddl := `CREATE TRIGGER fail_` + msgID + ` BEFORE INSERT ON messages WHEN NEW.msgid = '` + msgID +
		`' BEGIN SELECT RAISE(` + action + `, 'injected failure'); END`
	if err := s.write(t.Context(), func(w *writeTx) error { _, err := w.exec(ddl); return err }); err != nil {
		t.Fatal(err)
	}
}

// appendQueued makes one Append call per request while the committer is
// held, queued in the order given, and returns their outcomes once it has committed them as one batch.
func appendQueued(t *testing.T, s *Store, reqs ...[]*store.Message) ([][]store.AppendResult, []error) {
	t.Helper()
	release := holdCommitter(t, s)
	before := s.Commits()
	res, errs := make([][]store.AppendResult, len(reqs)), make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() { res[i], errs[i] = s.Append(t.Context(), req) })
		waitQueued(t, s, i+1) // queue in order, so the batch runs them in order
	}
	release()
	wg.Wait()
	if got := s.Commits() - before; got > 2 {
		t.Errorf("%d commits for the held job and one batch, want at most 2", got)
	}
	return res, errs
}

// one is a request of one message.
func one(m *store.Message) []*store.Message { return []*store.Message{m} }

func TestBatchIsolatesFailingRequest(t *testing.T) {
	s := newTestStore(t, Options{})
	failOn(t, s, "boom", "ABORT")
	// The failing request stores a message before it fails: that must be
	// undone too, seq included.
	res, errs := appendQueued(t, s, one(msg("ok1")), []*store.Message{msg("undone"), msg("boom")}, one(msg("ok2")))
	if errs[1] == nil {
		t.Errorf("failing request succeeded: %+v", res[1])
	}
	for i, want := range map[int]int{0: 1, 2: 2} {
		if errs[i] != nil {
			t.Fatalf("request %d failed with its batch neighbour: %v", i, errs[i])
		}
		if got := res[i][0].SeqID; got != want {
			t.Errorf("request %d got seq %d, want %d: the failed request must not consume seqs", i, got, want)
		}
	}
	next, err := s.Append(t.Context(), []*store.Message{msg("ok3"), msg("undone")})
	if err != nil || next[0].SeqID != 3 || next[1].SeqID != 4 || next[1].Duplicate {
		t.Errorf("next Append = %+v, %v; want new seqs 3, 4", next, err)
	}
}

func TestFailedBatchConsumesNoSeq(t *testing.T) {
	s := newTestStore(t, Options{})
	if _, err := s.Append(t.Context(), []*store.Message{msg("first")}); err != nil {
		t.Fatal(err)
	}
	failOn(t, s, "doom", "ROLLBACK")
	_, errs := appendQueued(t, s, one(msg("lost1")), one(msg("doom")), one(msg("lost2")))
	for i, err := range errs {
		if err == nil {
			t.Errorf("request %d succeeded in a rolled-back batch", i)
		}
	}
	res, err := s.Append(t.Context(), []*store.Message{msg("after")})
	if err != nil || res[0].SeqID != 2 {
		t.Errorf("Append after the failed batch = %+v, %v; want seq 2", res, err)
	}
	for _, id := range []string{"lost1", "lost2"} {
		if _, err := s.MessageByMsgID(t.Context(), testTopic, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("message %s of the failed batch: %v, want ErrNotFound", id, err)
		}
	}
}

// TestLockedDatabase has another process hold the write lock: Append must
// fail after the busy timeout, consume no seq, and work once it is freed.
func TestLockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	s, err := Open(path, Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateTopic(t.Context(), &store.Topic{Name: testTopic}, nil); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), []*store.Message{msg("a")}); err == nil {
		t.Error("Append succeeded while another process held the write lock")
	}
	if _, err := conn.ExecContext(t.Context(), `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(t.Context(), []*store.Message{msg("a")})
	if err != nil || res[0].SeqID != 1 || res[0].Duplicate {
		t.Errorf("Append after the lock was freed = %+v, %v; want new seq 1", res, err)
	}
}

func TestHighBitUid(t *testing.T) {
	s := newTestStore(t, Options{})
	const u proto.Uid = 1<<64 - 1
	sub := store.Subscription{Topic: testTopic, User: u}
	if err := s.CreateSub(t.Context(), &sub); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSub(t.Context(), testTopic, u)
	if err != nil || got.User != u {
		t.Errorf("GetSub = %+v, %v; want user %v", got, err, u)
	}
}

// TestMsgIDLookupsUseIndex guards against dedup scanning the whole topic,
// which made appends slow down as history grew.
func TestMsgIDLookupsUseIndex(t *testing.T) {
	s := newTestStore(t, Options{})
	for _, q := range []string{sqlFindMsgID, sqlMessageByMsgID} {
		rows, err := s.rdb.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+q, testTopic, "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), "messages_msgid") {
			t.Errorf("plan for %q is %q, want it to use messages_msgid", q, plan)
		}
	}
}

// TestTagIndexBackfill opens a database written before the tag index
// existed: migration 2 must index the tags already stored.
func TestTagIndexBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := sql.Open("sqlite", path) // no migrations: openWriter would run them all
	if err != nil {
		t.Fatal(err)
	}
	if err := runSteps(t, db, migrations()[:1]); err != nil {
		t.Fatalf("migration 1: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, tags) VALUES (7, '["Support","night"]')`,
		`INSERT INTO topics (name, tags) VALUES ('grpAAAAAAAAAAAA', '["support"]')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	got, err := s.FindByTags(t.Context(), []string{"support"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Topic != "grpAAAAAAAAAAAA" || got[1].User != 7 {
		t.Errorf("after backfill: %+v", got)
	}
}

// A request alone in its transaction runs without a savepoint: when it
// fails, the rollback of the transaction must undo what it wrote, and the
// next request must find the connection ready.
func TestFailedLoneWriteLeavesNothing(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	failed := errors.New("refused half-way")
	err := s.write(t.Context(), func(w *writeTx) error {
		if _, err := w.exec(`INSERT INTO kv (name, value) VALUES ('half', x'01')`); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("write: %v, want the request's own error", err)
	}
	var n int
	if err := s.ldb.QueryRow(`SELECT COUNT(*) FROM kv WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows of the failed request: %d, %v; want 0", n, err)
	}
	err = s.write(t.Context(), func(w *writeTx) error {
		_, err := w.exec(`INSERT INTO kv (name, value) VALUES ('whole', x'02')`)
		return err
	})
	if err != nil {
		t.Fatalf("next write: %v", err)
	}
}

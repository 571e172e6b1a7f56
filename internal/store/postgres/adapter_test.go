package postgres

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

const testTopic = "grpAAAAAAAAAAAA"

func createTestTopic(t *testing.T, s *Store) {
	t.Helper()
	if err := s.CreateTopic(t.Context(), &store.Topic{Name: testTopic, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
}

func msg(id string) *store.Message {
	return &store.Message{Topic: testTopic, From: 1, MsgID: id, Content: []byte(`"x"`)}
}

// Every connection commits synchronously, whatever the server's default:
// an acknowledged message must be on disk.
func TestSynchronousCommit(t *testing.T) {
	db := pgtest.Database(t)
	s := openIn(t, db, Options{})
	defer s.Close()
	// The database's own default says off; new connections must not take it.
	if _, err := s.pool.Exec(t.Context(), `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	s.pool.Reset()
	var v string
	if err := s.pool.QueryRow(t.Context(), `SHOW synchronous_commit`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "on" {
		t.Errorf("synchronous_commit = %s, want on", v)
	}
}

func TestMigrations(t *testing.T) {
	url := pgtest.Schema(t, pgtest.Database(t))
	for range 2 { // the second open must find nothing to do
		s, err := Open(t.Context(), url, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var v int
		if err := s.pool.QueryRow(t.Context(), `SELECT version FROM schema_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != len(migrations()) {
			t.Errorf("schema version %d, want %d", v, len(migrations()))
		}
		s.Close()
	}
	s, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(t.Context(), `UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(t.Context(), url, Options{}); err == nil {
		s.Close()
		t.Error("Open succeeded on a database newer than the build")
	}
}

// Concurrent appends share transactions: fewer commits than calls.
func TestGroupCommit(t *testing.T) {
	s := openIn(t, pgtest.Database(t), Options{})
	defer s.Close()
	createTestTopic(t, s)
	before := s.Commits()
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := s.Append(t.Context(), []*store.Message{msg(fmt.Sprint(i))}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if c := s.Commits() - before; c >= n {
		t.Errorf("%d commits for %d concurrent appends: no batching", c, n)
	}
}

// Two stores on one database, as two gateways of a cluster, appending to
// one topic at once: the row lock keeps its seqs 1…n with each message
// once, and a client id retried on the other gateway is recognised.
func TestTwoWritersFenced(t *testing.T) {
	url := pgtest.Schema(t, pgtest.Database(t))
	a, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	createTestTopic(t, a)
	const per = 40
	var wg sync.WaitGroup
	for w, s := range []*Store{a, b, a, b} {
		wg.Go(func() {
			for i := range per {
				// Writers 0/2 and 1/3 send the same ids: each is a retry on
				// the other gateway.
				id := fmt.Sprintf("m%d-%d", w%2, i)
				if _, err := s.Append(t.Context(), []*store.Message{msg(id)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	msgs, err := a.GetMessages(t.Context(), testTopic, 0, store.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2*per {
		t.Fatalf("%d messages stored, want %d", len(msgs), 2*per)
	}
	seen := map[string]bool{}
	for i, m := range msgs {
		if m.SeqID != len(msgs)-i || seen[m.MsgID] {
			t.Fatalf("message %d: seq %d, id %s (seen before: %v)", i, m.SeqID, m.MsgID, seen[m.MsgID])
		}
		seen[m.MsgID] = true
	}
}

// A message id PostgreSQL's text would refuse fails that message only, not
// the others of its call.
func TestUnstorableMsgID(t *testing.T) {
	s := openIn(t, pgtest.Database(t), Options{})
	defer s.Close()
	createTestTopic(t, s)
	res, err := s.Append(t.Context(), []*store.Message{msg("ok1"), msg("bad\x00"), msg("bad\xff"), msg("ok2")})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[3].Err != nil || res[0].SeqID != 1 || res[3].SeqID != 2 {
		t.Errorf("good messages: %+v, %+v; want seqs 1 and 2", res[0], res[3])
	}
	if res[1].Err == nil || res[2].Err == nil {
		t.Errorf("bad messages stored: %+v, %+v", res[1], res[2])
	}
}

// The Append calls of a batch are stored together; when that fails, each
// is stored on its own, so only the failing call fails.
func TestMergedAppendsFallBack(t *testing.T) {
	s := openIn(t, pgtest.Database(t), Options{})
	defer s.Close()
	createTestTopic(t, s)
	// A rule the database enforces and the adapter does not know of.
	if _, err := s.pool.Exec(t.Context(), `ALTER TABLE messages ADD CONSTRAINT short CHECK (length(content) < 10)`); err != nil {
		t.Fatal(err)
	}
	long := msg("long")
	long.Content = []byte(`"far too long for the rule"`)
	batch := []*job{appendJob(t.Context(), []*store.Message{msg("a")}),
		appendJob(t.Context(), []*store.Message{long}), appendJob(t.Context(), []*store.Message{msg("b")})}
	errs := make([]error, len(batch))
	if err := s.runBatch(batch, errs, len(batch)); err != nil {
		t.Fatalf("runBatch: %v", err)
	}
	if errs[0] != nil || errs[2] != nil || errs[1] == nil {
		t.Fatalf("errors %v; want only the long message's call to fail", errs)
	}
	if a, b := batch[0].res[0], batch[2].res[0]; a.SeqID != 1 || b.SeqID != 2 {
		t.Errorf("seqs %d and %d, want 1 and 2", a.SeqID, b.SeqID)
	}
	if top, err := s.GetTopic(t.Context(), testTopic); err != nil || top.SeqID != 2 {
		t.Errorf("topic seq = %v, %v; want 2", top, err)
	}
}

// The UpdateMarks calls of a batch are one statement: each subscription
// ends at the highest marks asked for, recv at or above read, and a call
// for a subscription that does not exist gets ErrNotFound alone.
func TestMergedMarks(t *testing.T) {
	s := openIn(t, pgtest.Database(t), Options{})
	defer s.Close()
	sub := func(u proto.Uid) store.Subscription {
		return store.Subscription{Topic: testTopic, User: u, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
	}
	if err := s.CreateTopic(t.Context(), &store.Topic{Name: testTopic}, []store.Subscription{sub(1), sub(2)}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	batch := []*job{
		marksJob(ctx, markUpdate{testTopic, 1, 5, 2}),
		marksJob(ctx, markUpdate{testTopic, 1, 3, 4}),
		marksJob(ctx, markUpdate{testTopic, 9, 1, 1}), // not subscribed
		marksJob(ctx, markUpdate{testTopic, 2, 0, 7}),
	}
	errs := make([]error, len(batch))
	if err := s.runBatch(batch, errs, len(batch)); err != nil {
		t.Fatalf("runBatch: %v", err)
	}
	if errs[0] != nil || errs[1] != nil || errs[3] != nil || !errors.Is(errs[2], store.ErrNotFound) {
		t.Fatalf("errors %v; want ErrNotFound for the third call only", errs)
	}
	for _, w := range []struct {
		user       proto.Uid
		recv, read int
	}{{1, 5, 4}, {2, 7, 7}} {
		got, err := s.GetSub(ctx, testTopic, w.user)
		if err != nil || got.RecvSeqID != w.recv || got.ReadSeqID != w.read {
			t.Errorf("user %d: %+v, %v; want recv %d, read %d", w.user, got, err, w.recv, w.read)
		}
	}
}

package postgres

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
	"github.com/parley-im/parley/internal/store/storetest"
)

// roundTrips counts what the store's connections send: each query on its
// own and each batch is one round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// openCounted opens a store in a fresh schema whose round trips are
// counted.
func openCounted(t *testing.T, opts Options) (*Store, *roundTrips) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.Schema(t, pgtest.Database(t)))
	if err != nil {
		t.Fatal(err)
	}
	rt := &roundTrips{}
	cfg.ConnConfig.Tracer = rt
	s, err := openPool(t.Context(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, rt
}

// An Append alone in its transaction costs two round trips: the BEGIN
// travels with the look-ups and the COMMIT with the writes (there were
// six). With a receiver's marks in the same batch, the COMMIT goes with
// the marks instead.
func TestLightLoadRoundTrips(t *testing.T) {
	s, rt := openCounted(t, Options{})
	sub := store.Subscription{Topic: testTopic, User: 2, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
	if err := s.CreateTopic(t.Context(), &store.Topic{Name: testTopic}, []store.Subscription{sub}); err != nil {
		t.Fatal(err)
	}
	// The first batches prepare the statements, a round trip of their own.
	warm := []*job{appendJob(t.Context(), []*store.Message{msg("warm")}), marksJob(t.Context(), markUpdate{testTopic, 2, 1, 1})}
	if err := s.runBatch(warm, make([]error, 2), 2); err != nil {
		t.Fatal(err)
	}
	before := rt.n.Load()
	res, err := s.Append(t.Context(), []*store.Message{msg("one")})
	if err != nil || res[0].Err != nil || res[0].SeqID != 2 {
		t.Fatalf("Append = %+v, %v; want seq 2", res, err)
	}
	if n := rt.n.Load() - before; n != 2 {
		t.Errorf("a lone Append took %d round trips, want 2", n)
	}
	before = rt.n.Load()
	batch := []*job{appendJob(t.Context(), []*store.Message{msg("two")}), marksJob(t.Context(), markUpdate{testTopic, 2, 2, 2})}
	errs := make([]error, 2)
	if err := s.runBatch(batch, errs, 2); err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatalf("runBatch = %v, %v", err, errs)
	}
	if n := rt.n.Load() - before; n != 3 {
		t.Errorf("an Append and a mark took %d round trips, want 3", n)
	}
	got, err := s.GetSub(t.Context(), testTopic, 2)
	if err != nil || got.RecvSeqID != 2 || got.ReadSeqID != 2 {
		t.Fatalf("marks after the batch = %+v, %v; want 2 and 2", got, err)
	}
	if top, err := s.GetTopic(t.Context(), testTopic); err != nil || top.SeqID != 3 {
		t.Fatalf("topic after the batch = %+v, %v; want seq 3", top, err)
	}
}

// A request alone in its transaction runs without a savepoint: when it
// fails, it gets its own error, nothing of it is stored, and the
// connection serves the next transaction.
func TestLoneRequestFailsAlone(t *testing.T) {
	s, _ := openCounted(t, Options{})
	createTestTopic(t, s)
	boom := errors.New("boom")
	j := &job{ctx: t.Context(), done: make(chan error, 1), run: func(w *writeTx) error {
		if _, err := w.exec(`UPDATE topics SET seq = seq + 100 WHERE name = $1`, testTopic); err != nil {
			return err
		}
		return boom
	}}
	errs := []error{nil}
	if err := s.runBatch([]*job{j}, errs, 1); !errors.Is(err, errRolledBack) || !errors.Is(errs[0], boom) {
		t.Fatalf("runBatch = %v, request's error %v; want the rollback and boom", err, errs[0])
	}
	res, err := s.Append(t.Context(), []*store.Message{msg("after")})
	if err != nil || res[0].SeqID != 1 {
		t.Fatalf("Append after the failed request = %+v, %v; want seq 1 (the update undone)", res, err)
	}
}

// Writes arriving closer together than the commit wait share commits.
func TestCommitWaitGathersPacedWrites(t *testing.T) {
	s := openIn(t, pgtest.Database(t), Options{CommitWait: 25 * time.Millisecond})
	defer s.Close()
	const n = 60
	commits := storetest.PacedAppends(t, s, s.Commits, n, 2*time.Millisecond)
	t.Logf("%d writes 2ms apart: %d commits with a 25ms wait", n, commits)
	if commits > n/3 {
		t.Errorf("%d writes 2ms apart took %d commits with a 25ms wait, want ≤ %d", n, commits, n/3)
	}
}

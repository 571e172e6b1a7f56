package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// With every connection for large reads taken (a flood of history pages),
// look-ups by key — what a login and a topic load need — still run: they
// have connections of their own.
func TestLookupsNotBehindLargeReads(t *testing.T) {
	s := newTestStore(t, Options{ReadConns: 2})
	ctx := t.Context()
	now := time.Now()
	uid := proto.Uid(42)
	rec := &store.AuthRecord{Unique: "basic:alice", UserID: uid, Scheme: "basic", AuthLevel: store.AuthAuth,
		Secret: []byte("x")}
	if err := s.CreateUser(ctx, &store.User{ID: uid, CreatedAt: now, UpdatedAt: now}, rec); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c, err := s.rdb.Conn(ctx) // held until the test ends, like a long read
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	// The deadline only keeps a regression from hanging the test.
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.GetAuth(lctx, "basic:alice"); err != nil {
		t.Fatalf("GetAuth with every large-read connection busy: %v", err)
	}
	if _, err := s.GetUser(lctx, uid); err != nil {
		t.Fatalf("GetUser with every large-read connection busy: %v", err)
	}
	if _, err := s.GetTopic(lctx, testTopic); err != nil {
		t.Fatalf("GetTopic with every large-read connection busy: %v", err)
	}
}

// A history read whose caller has gone stops instead of reading on.
func TestGetMessagesCancelled(t *testing.T) {
	s := newTestStore(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.GetMessages(ctx, testTopic, 0, store.MessageQuery{}); err == nil {
		t.Fatal("GetMessages with a cancelled context succeeded")
	}
}

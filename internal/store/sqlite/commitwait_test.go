package sqlite

import (
	"context"
	"fmt"
	"path/filepath"

	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

// pacedAppends makes n Append calls gap apart (storetest.PacedAppends) and
// returns the commits they took.
func pacedAppends(t *testing.T, opts Options, n int, gap time.Duration) int64 {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "linger.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return storetest.PacedAppends(t, s, s.Commits, n, gap)
}

// Writes arriving closer together than the wait share commits: at light
// load a commit (WAL frames and an fsync) is no longer paid per message.
func TestCommitWaitGathersPacedWrites(t *testing.T) {
	const n = 60
	commits := pacedAppends(t, Options{CommitWait: 25 * time.Millisecond}, n, 2*time.Millisecond)
	t.Logf("%d writes 2ms apart: %d commits with a 25ms wait", n, commits)
	if commits > n/3 {
		t.Errorf("%d writes 2ms apart took %d commits with a 25ms wait, want ≤ %d", n, commits, n/3)
	}
}

// One session's dependent writes, each sent when the previous committed,
// take no longer with the wait than the wait's skipping allows.
func TestSerialWriterIsNotDelayed(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "serial.db"), Options{CommitWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	topic := proto.GroupName(1)
	sub := store.Subscription{Topic: topic, User: 1, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
	if err := s.CreateTopic(context.Background(), &store.Topic{Name: topic}, []store.Subscription{sub}); err != nil {
		t.Fatal(err)
	}
	const n = 100
	waited := 0
	for i := range n {
		start := time.Now()
		m := &store.Message{Topic: topic, From: 1, MsgID: fmt.Sprint(i), Content: []byte(`"hi"`)}
		if _, err := s.Append(context.Background(), []*store.Message{m}); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) >= 50*time.Millisecond {
			waited++
		}
	}
	// Without the skipping every write after the first few waits 50ms.
	if waited > 12 {
		t.Fatalf("%d of %d serial writes waited the whole 50ms", waited, n)
	}
}

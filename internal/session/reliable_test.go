package session

import (
	"log/slog"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

func testSession(t *testing.T, kind string) *Session {
	t.Helper()
	cfg := &Config{Version: "0.25", MaxMessageSize: 4096, MaxTopics: 8, OutboxBytes: 1 << 20,
		RatePerSecond: 100, RateBurst: 100, RetransmitAfter: time.Hour}
	s := New(&Deps{Log: slog.New(slog.DiscardHandler)}, cfg, kind, "test")
	t.Cleanup(func() { s.win.stop(); s.dl.stop(); s.cancel() })
	return s
}

// A gRPC session is not retransmitted to until it acknowledges: Tinode's
// gRPC client never does, and would print every copy.
func TestGRPCSessionOptsInByAcknowledging(t *testing.T) {
	s := testSession(t, KindGRPC)
	if s.Reliable() {
		t.Fatal("a new gRPC session is reliable before any acknowledgement")
	}
	s.Send(hub.Frame{Bytes: []byte("x"), Topic: "usrB", Seq: 1})
	s.SendBatch([]hub.Frame{{Bytes: []byte("y"), Topic: "usrB", Seq: 2}})
	if n := s.win.pendingCount(); n != 0 {
		t.Fatalf("%d frames pending before the session opted in", n)
	}
	s.acknowledge("usrB", 2)
	if !s.Reliable() {
		t.Fatal("not reliable after an acknowledgement")
	}
	s.Send(hub.Frame{Bytes: []byte("z"), Topic: "usrB", Seq: 3})
	if n := s.win.pendingCount(); n != 1 {
		t.Fatalf("%d frames pending after opting in, want 1", n)
	}
}

// WebSocket and long-polling sessions are reliable from the start.
func TestOtherSessionsAreReliableAtOnce(t *testing.T) {
	for _, kind := range []string{KindWebSocket, KindLongPoll} {
		s := testSession(t, kind)
		s.Send(hub.Frame{Bytes: []byte("x"), Topic: "usrB", Seq: 1})
		if !s.Reliable() || s.win.pendingCount() != 1 {
			t.Errorf("%s: reliable %v, pending %d", kind, s.Reliable(), s.win.pendingCount())
		}
	}
}

// A {datares} with no acknowledgement in it opts a gRPC session in too: a
// client that wants retransmission from its first message sends one right
// after hi.
func TestGRPCSessionOptsInByEmptyDataRes(t *testing.T) {
	s := testSession(t, KindGRPC)
	s.dataRes(&proto.MsgClientDataRes{ID: "1"})
	if !s.Reliable() {
		t.Fatal("not reliable after an empty datares")
	}
	s.Send(hub.Frame{Bytes: []byte("x"), Topic: "usrB", Seq: 1})
	if n := s.win.pendingCount(); n != 1 {
		t.Fatalf("%d frames pending after opting in, want 1", n)
	}
}

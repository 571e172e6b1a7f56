package session

import (
	"log/slog"
	"testing"
	"testing/synctest"
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

// streamSession is a session of kind whose retransmission timeout is 20 ms
// (limit 6: a frame lives 2.54 s), for streams run in a synctest bubble.
func streamSession(kind string) *Session {
	return New(&Deps{Log: slog.New(slog.DiscardHandler)}, &Config{OutboxBytes: 1 << 20, RatePerSecond: 1,
		RateBurst: 1, RetransmitMin: 20 * time.Millisecond, RetransmitAfter: 20 * time.Millisecond,
		RetransmitLimit: 6}, kind, "test")
}

// copiesOf streams seqs 1..n to s, one every 5 ms, acknowledging them the
// way tinode-sdk does (a note recv once 100 ms pass without a new frame),
// then waits a second and returns how many frames the outbox was given.
func copiesOf(s *Session, n int) int {
	sent := 0
	drain := func() {
		got, _ := s.out.drain(0)
		sent += len(got)
	}
	for seq := 1; seq <= n; seq++ {
		s.Send(hub.Frame{Bytes: []byte("x"), Topic: "usrA", Seq: seq})
		time.Sleep(5 * time.Millisecond)
		drain()
	}
	time.Sleep(100 * time.Millisecond)
	drain()
	s.acknowledge("usrA", n)
	time.Sleep(time.Second)
	drain()
	return sent
}

// A WebSocket session that never sent a {datares} is not retransmitted to:
// a tinode-sdk client streaming without acks gets each frame once on a
// live connection. A Parley client (any {datares}) and long polling still
// get the frames their late acks leave overdue.
func TestLateAckerIsResentOnlyWhenItSpeaksDataRes(t *testing.T) {
	const n = 100
	for _, c := range []struct {
		name     string
		kind     string
		dataRes  bool
		resendOK bool
	}{
		{"websocket, note recv only", KindWebSocket, false, false},
		{"websocket, datares", KindWebSocket, true, true},
		{"long polling, note recv only", KindLongPoll, false, true},
	} {
		synctest.Test(t, func(t *testing.T) {
			s := streamSession(c.kind)
			defer s.win.stop()
			if c.dataRes {
				s.dataRes(&proto.MsgClientDataRes{})
			}
			got := copiesOf(s, n)
			if !c.resendOK && got != n {
				t.Errorf("%s: %d frames sent for %d messages, want each once", c.name, got, n)
			}
			if c.resendOK && got <= n {
				t.Errorf("%s: %d frames sent for %d messages, want the overdue ones again", c.name, got, n)
			}
			if s.win.pendingCount() != 0 || s.Lagging() {
				t.Errorf("%s: pending %d, lagging %v after the ack", c.name, s.win.pendingCount(), s.Lagging())
			}
		})
	}
}

// A quiet WebSocket session keeps its frames in the window until they are
// acknowledged, and its first {datares} retransmits what is still pending
// one timeout later.
func TestFirstDataResRetransmitsWhatIsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := streamSession(KindWebSocket)
		defer s.win.stop()
		for seq := 1; seq <= 3; seq++ {
			s.Send(hub.Frame{Bytes: []byte{byte('0' + seq)}, Topic: "usrA", Seq: seq})
		}
		s.out.drain(0)
		time.Sleep(time.Second)
		if got, _ := s.out.drain(0); len(got) != 0 {
			t.Fatalf("quiet session was sent %q", got)
		}
		s.acknowledge("usrA", 1)
		if n := s.win.pendingCount(); n != 2 {
			t.Fatalf("%d frames pending, want seqs 2 and 3", n)
		}
		s.dataRes(&proto.MsgClientDataRes{})
		time.Sleep(30 * time.Millisecond)
		got, _ := s.out.drain(0)
		if len(got) != 2 || string(got[0]) != "2" || string(got[1]) != "3" {
			t.Fatalf("after the first datares the outbox has %q, want seqs 2 and 3 again", got)
		}
	})
}

// A quiet session's frame unacknowledged for its whole retransmission
// schedule is given up, as it would have been after the retransmissions:
// the window does not grow without bound for a client that never acks.
func TestQuietSessionGivesUpUnacknowledgedFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := streamSession(KindWebSocket)
		defer s.win.stop()
		s.Send(hub.Frame{Bytes: []byte("1"), Topic: "usrA", Seq: 1})
		life := s.win.quietLife() // 20+40+…+1280 ms
		time.Sleep(life - time.Millisecond)
		if s.Lagging() || s.win.pendingCount() != 1 {
			t.Fatalf("before its life: lagging %v, pending %d", s.Lagging(), s.win.pendingCount())
		}
		time.Sleep(2 * time.Millisecond)
		if !s.Lagging() || s.win.pendingCount() != 0 {
			t.Fatalf("after its life: lagging %v, pending %d", s.Lagging(), s.win.pendingCount())
		}
		if got, _ := s.out.drain(0); len(got) != 1 {
			t.Fatalf("outbox %q, want the one frame, never again", got)
		}
	})
}

package session

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// measured returns a window whose session acks in 50ms (srtt 50ms, rttvar
// 25ms): a frame is presumed lost after 100ms, and the timeout is 150ms.
func measured(t *testing.T) (*window, chan resent) {
	t.Helper()
	w, again, _ := clockWindow(10*time.Millisecond, 5*time.Second, 5)
	track(w, frame("t", 1))
	time.Sleep(50 * time.Millisecond)
	w.ack("t", 1)
	if w.clock.overdue() != 100*time.Millisecond || w.clock.rto() != 150*time.Millisecond {
		t.Fatalf("overdue %v rto %v, want 100ms and 150ms", w.clock.overdue(), w.clock.rto())
	}
	return w, again
}

func seqs(rs []retry) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.frame.Seq
	}
	return out
}

// A frame left unacknowledged longer than the session's ack time goes again
// ahead of the next push on its topic, in seq order, before the timer would
// send it; the timer then leaves it alone until its backoff.
func TestFastResendBeforeNextPush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, timer := measured(t)
		defer w.stop()
		w.trackAll([]hub.Frame{frame("t", 2), frame("t", 3)}) // both lost
		time.Sleep(110 * time.Millisecond)
		tracked, again := w.trackAll([]hub.Frame{frame("other", 9), frame("t", 4)})
		if !tracked[0] || !tracked[1] {
			t.Fatalf("tracked %v", tracked)
		}
		if got := seqs(again); len(got) != 2 || got[0] != 2 || got[1] != 3 || again[0].attempt != 1 {
			t.Fatalf("fast resent %v (attempt %d), want 2 and 3, attempt 1", got, again[0].attempt)
		}
		// The fast resend moved seq 2 and 3 to their backoff (2·rto), so
		// the timer's first round, one rto later, sends only seq 4 and the
		// other topic's 9 (in either order: one round serves all topics).
		start := time.Now()
		first := map[int]bool{}
		for range 2 {
			first[(<-timer).seq] = true
		}
		if !first[4] || !first[9] || time.Since(start) != 150*time.Millisecond {
			t.Fatalf("timer's first round %v after %v, want seq 4 and 9 after 150ms", first, time.Since(start))
		}
		if r := <-timer; r.seq != 2 || time.Since(start) != 300*time.Millisecond {
			t.Fatalf("then %v after %v, want seq 2 after 300ms", r, time.Since(start))
		}
	})
}

// A frame younger than the measured ack time is not presumed lost, and a
// topic's pending frames do not go ahead of another topic's pushes.
func TestNoFastResendOfYoungFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := measured(t)
		defer w.stop()
		track(w, frame("t", 2))
		time.Sleep(90 * time.Millisecond)
		if _, again := w.trackAll([]hub.Frame{frame("t", 3)}); len(again) != 0 {
			t.Fatalf("resent %v, younger than the ack time", seqs(again))
		}
		time.Sleep(20 * time.Millisecond) // seq 2 is overdue now, for its own topic only
		if _, again := w.trackAll([]hub.Frame{frame("u", 1)}); len(again) != 0 {
			t.Fatalf("a push on another topic resent %v", seqs(again))
		}
	})
}

// Before any ack is timed nothing is presumed lost early: a client that
// never acks costs what the timer costs.
func TestNoFastResendBeforeAMeasurement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _, _ := clockWindow(10*time.Millisecond, 5*time.Second, 5)
		defer w.stop()
		track(w, frame("t", 1))
		time.Sleep(4 * time.Second)
		if _, again := w.trackAll([]hub.Frame{frame("t", 2)}); len(again) != 0 {
			t.Fatalf("resent %v with no measured ack time", seqs(again))
		}
	})
}

// A burst pushed faster than the client acks resends nothing; when the
// whole window is overdue, one push resends it once, and later pushes do not
// resend it again: the timer, with backoff and the limit, takes over.
func TestFastResendNoStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := measured(t)
		defer w.stop()
		const burst = 1000
		total := 0
		for seq := 2; seq < 2+burst; seq++ {
			_, again := w.trackAll([]hub.Frame{frame("t", seq)})
			total += len(again)
		}
		if total != 0 {
			t.Fatalf("a burst resent %d frames", total)
		}
		time.Sleep(110 * time.Millisecond)
		_, again := w.trackAll([]hub.Frame{frame("t", 2+burst)})
		if len(again) != burst {
			t.Fatalf("resent %d frames when the window was overdue, want %d", len(again), burst)
		}
		// Until the timer's backoff (2·rto = 300ms) only the frames pushed
		// since may go again, one per push at most.
		for i := 1; i <= 20; i++ {
			time.Sleep(10 * time.Millisecond)
			if _, again := w.trackAll([]hub.Frame{frame("t", 2+burst+i)}); len(again) > 1 {
				t.Fatalf("push %d after the resend resent %d frames", i, len(again))
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, p := range w.topics["t"].pending[:burst] {
			if p.attempts != 1 {
				t.Fatalf("seq %d sent %d extra times, want once", p.frame.Seq, p.attempts)
			}
		}
	})
}

// The session puts the frames presumed lost into its outbox ahead of the
// new push, so the client gets seq N−1 before N and sees no gap.
func TestSessionResendsLostFrameBeforeNewPush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(&Deps{}, &Config{OutboxBytes: 1 << 20, RatePerSecond: 1, RateBurst: 1,
			RetransmitMin: 10 * time.Millisecond, RetransmitAfter: 5 * time.Second}, KindWebSocket, "test")
		defer s.win.stop()
		s.dataRes(&proto.MsgClientDataRes{}) // a Parley client: retransmission on
		push := func(seq int) {
			f := frame("usrA", seq)
			f.Bytes = []byte{byte('0' + seq)}
			if !s.Send(f) {
				t.Fatalf("push %d refused", seq)
			}
		}
		push(1)
		time.Sleep(50 * time.Millisecond)
		s.acknowledge("usrA", 1)
		push(2) // lost on its way
		s.out.drain(0)
		time.Sleep(110 * time.Millisecond)
		push(3)
		got, _ := s.out.drain(0)
		if len(got) != 2 || string(got[0]) != "2" || string(got[1]) != "3" {
			t.Fatalf("outbox %q, want seq 2 again, then 3", got)
		}
	})
}

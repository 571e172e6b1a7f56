package session

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-im/parley/internal/hub"
)

// The estimator follows RFC 6298: the first sample sets srtt and half of it
// as rttvar, later ones move them by 1/8 and 1/4; the timeout is
// srtt + 4·rttvar between the floor and the ceiling, and the ceiling before
// any sample.
func TestAckClockFollowsRFC6298(t *testing.T) {
	c := newAckClock(10*time.Millisecond, 5*time.Second)
	if c.rto() != 5*time.Second || c.overdue() != 5*time.Second {
		t.Fatalf("before a sample rto %v overdue %v, want the ceiling", c.rto(), c.overdue())
	}
	c.sample(100 * time.Millisecond)
	if c.srtt != 100*time.Millisecond || c.rttvar != 50*time.Millisecond || c.rto() != 300*time.Millisecond {
		t.Fatalf("first sample: srtt %v rttvar %v rto %v", c.srtt, c.rttvar, c.rto())
	}
	if c.overdue() != 200*time.Millisecond {
		t.Fatalf("overdue %v, want srtt + 2·rttvar = 200ms", c.overdue())
	}
	c.sample(200 * time.Millisecond)
	// rttvar = 3/4·50 + 1/4·|100−200| = 62.5; srtt = 7/8·100 + 1/8·200 = 112.5
	if c.srtt != 112500*time.Microsecond || c.rttvar != 62500*time.Microsecond {
		t.Fatalf("second sample: srtt %v rttvar %v", c.srtt, c.rttvar)
	}
	if c.rto() != 362500*time.Microsecond {
		t.Fatalf("rto %v, want 362.5ms", c.rto())
	}
}

func TestAckClockClamps(t *testing.T) {
	c := newAckClock(200*time.Millisecond, time.Second)
	c.sample(time.Millisecond)
	if c.rto() != 200*time.Millisecond || c.overdue() != 200*time.Millisecond {
		t.Fatalf("fast session: rto %v overdue %v, want the floor", c.rto(), c.overdue())
	}
	c = newAckClock(200*time.Millisecond, time.Second)
	c.sample(3 * time.Second)
	if c.rto() != time.Second {
		t.Fatalf("slow session: rto %v, want the ceiling", c.rto())
	}
	if c := newAckClock(time.Minute, time.Second); c.floor != time.Second {
		t.Fatalf("a floor above the ceiling is not capped: %v", c.floor)
	}
}

// Once the session's acks are timed, an unacknowledged frame is sent again
// after the measured timeout, not after the ceiling; the timer set for the
// ceiling before the measurement is brought forward.
func TestWindowTimeoutFollowsMeasuredAcks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, again, _ := clockWindow(10*time.Millisecond, 5*time.Second, 5)
		defer w.stop()
		track(w, frame("t", 1)) // arms the timer for 5 s
		time.Sleep(20 * time.Millisecond)
		w.ack("t", 1) // srtt 20ms, rttvar 10ms: rto 60ms
		start := time.Now()
		track(w, frame("t", 2))
		if r := <-again; r != (resent{2, 1}) {
			t.Fatalf("retransmitted %v, want seq 2 attempt 1", r)
		}
		if d := time.Since(start); d != 60*time.Millisecond {
			t.Fatalf("retransmitted after %v, want the measured 60ms", d)
		}
		// Backoff doubles from the measured timeout.
		start = time.Now()
		if r := <-again; r != (resent{2, 2}) || time.Since(start) != 120*time.Millisecond {
			t.Fatalf("second retransmission %v after %v, want attempt 2 after 120ms", r, time.Since(start))
		}
	})
}

// Karn's rule: the ack of a frame that was sent twice is no measurement.
func TestWindowSamplesOnlyFramesSentOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, again, _ := clockWindow(10*time.Millisecond, 100*time.Millisecond, 5)
		defer w.stop()
		track(w, frame("t", 1))
		<-again // sent a second time at 100ms
		w.ack("t", 1)
		if w.clock.sampled {
			t.Fatalf("an ack of a resent frame was sampled: srtt %v", w.clock.srtt)
		}
		track(w, frame("t", 2))
		time.Sleep(30 * time.Millisecond)
		w.ack("t", 2)
		if !w.clock.sampled || w.clock.srtt != 30*time.Millisecond {
			t.Fatalf("ack of a frame sent once: sampled %v srtt %v, want 30ms", w.clock.sampled, w.clock.srtt)
		}
	})
}

// A client that acks only when the stream pauses (tinode-sdk's receipts)
// must not have the stream sent twice: each round of retransmissions
// doubles the timeout for the frames after it until an ack of a frame sent
// once measures the session again.
func TestLateAckerStreamIsNotResentWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, again := measured(t) // overdue 100ms, rto 150ms
		defer w.stop()
		const frames = 300 // one every 10ms: 3 s without an ack
		fast := 0
		for seq := 2; seq < 2+frames; seq++ {
			_, a := w.trackAll([]hub.Frame{frame("t", seq)})
			fast += len(a)
			time.Sleep(10 * time.Millisecond)
		}
		timer := len(again)
		if fast+timer > frames/10 {
			t.Fatalf("%d frames pushed without an ack were resent %d times (%d ahead of pushes, %d by the timer)", frames, fast+timer, fast, timer)
		}
		// The pause's ack covers frames sent once: a fresh sample ends
		// the backoff.
		time.Sleep(100 * time.Millisecond)
		w.mu.Lock()
		newest := w.topics["t"].pending[len(w.topics["t"].pending)-1]
		attempts := newest.attempts
		w.mu.Unlock()
		if attempts != 0 {
			t.Fatalf("newest frame sent %d extra times", attempts)
		}
		for len(again) > 0 {
			<-again
		}
		w.ack("t", 1+frames)
		if w.clock.backedOff != 0 || w.clock.rto() >= time.Second {
			t.Fatalf("after a clean ack backedOff %d, rto %v", w.clock.backedOff, w.clock.rto())
		}
	})
}

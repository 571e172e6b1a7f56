package session

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-im/parley/internal/hub"
)

type resent struct {
	seq     int
	attempt int
}

// testWindow is a window with a fixed timeout (the floor is the ceiling).
func testWindow(rto time.Duration, limit int) (*window, chan resent, chan resent) {
	return clockWindow(rto, rto, limit)
}

// clockWindow is a window whose timeout is measured between floor and
// ceiling; its timer's retransmissions and give-ups arrive on the channels.
func clockWindow(floor, ceiling time.Duration, limit int) (*window, chan resent, chan resent) {
	again, lost := make(chan resent, 4096), make(chan resent, 4096)
	w := newWindow(floor, ceiling, limit,
		func(f hub.Frame, n int) { again <- resent{f.Seq, n} },
		func(f hub.Frame, n int) { lost <- resent{f.Seq, n} })
	return w, again, lost
}

// track tracks one frame, as a push of f alone does.
func track(w *window, f hub.Frame) bool {
	ok, _ := w.trackAll([]hub.Frame{f})
	return ok[0]
}

func frame(topic string, seq int) hub.Frame {
	return hub.Frame{Bytes: []byte("x"), Topic: topic, Seq: seq}
}

func next(t *testing.T, c chan resent) resent {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("nothing within the deadline")
		return resent{}
	}
}

func TestWindowAckReleasesUpToSeq(t *testing.T) {
	w, _, _ := testWindow(time.Hour, 3)
	defer w.stop()
	for seq := 1; seq <= 5; seq++ {
		if !track(w, frame("t", seq)) {
			t.Fatalf("seq %d not tracked", seq)
		}
	}
	if track(w, frame("t", 3)) {
		t.Fatal("a frame already pending was tracked twice")
	}
	if got := len(w.ack("t", 3)); got != 3 {
		t.Fatalf("ack 3 released %d frames, want 3", got)
	}
	if track(w, frame("t", 2)) {
		t.Fatal("an acknowledged seq was tracked again")
	}
	if got := len(w.ackRange("t", 5, 6)); got != 1 {
		t.Fatalf("range ack released %d, want 1", got)
	}
	if got := w.pendingCount(); got != 1 {
		t.Fatalf("%d pending, want only seq 4", got)
	}
	if got := len(w.ack("other", 9)); got != 0 {
		t.Fatalf("ack on another topic released %d", got)
	}
}

// Unacknowledged frames are sent again with growing intervals, then given up
// on, and the session is lagging.
func TestWindowRetransmitsThenGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, again, lost := testWindow(10*time.Millisecond, 2)
		defer w.stop()
		track(w, frame("t", 1))
		track(w, frame("t", 2))
		var got []resent
		for len(got) < 4 {
			got = append(got, next(t, again))
		}
		for i, want := range []resent{{1, 1}, {2, 1}, {1, 2}, {2, 2}} {
			if got[i] != want {
				t.Fatalf("retransmissions %v, want seq 1 and 2 twice, attempts 1 then 2", got)
			}
		}
		if a, b := next(t, lost), next(t, lost); a.seq != 1 || b.seq != 2 {
			t.Fatalf("gave up on %v %v, want 1 and 2", a, b)
		}
		if !w.isLagging() || w.pendingCount() != 0 {
			t.Fatalf("lagging=%v pending=%d after giving up", w.isLagging(), w.pendingCount())
		}
	})
}

// An acknowledged frame is not sent again.
func TestWindowAckStopsRetransmission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, again, _ := testWindow(10*time.Millisecond, 5)
		defer w.stop()
		track(w, frame("t", 1))
		track(w, frame("t", 2))
		w.ack("t", 1)
		for i := 0; i < 3; i++ {
			if r := next(t, again); r.seq != 2 {
				t.Fatalf("retransmitted seq %d after it was acknowledged", r.seq)
			}
		}
	})
}

func TestBackoffDoublesAndCaps(t *testing.T) {
	if backoff(time.Second, 1) != 2*time.Second || backoff(time.Second, 3) != 8*time.Second {
		t.Fatal("backoff does not double")
	}
	if backoff(time.Second, 40) != maxBackoff {
		t.Fatal("backoff not capped")
	}
}

// Acks for topics nothing was pushed to leave no trace: otherwise a client
// could grow the window without bound with made-up topic names.
func TestWindowIgnoresAcksForUnknownTopics(t *testing.T) {
	w, _, _ := testWindow(time.Hour, 3)
	defer w.stop()
	for i := 0; i < 1000; i++ {
		w.ack("made-up-"+string(rune('a'+i%26))+time.Duration(i).String(), 1)
	}
	w.mu.Lock()
	n := len(w.topics)
	w.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d window entries after acks for unknown topics", n)
	}
}

// trackAll tracks the {data} frames of a batch as track would one by one:
// frames without a seq are not tracked, nor frames already acknowledged or
// already pending.
func TestWindowTrackAll(t *testing.T) {
	w, _, _ := testWindow(time.Hour, 3)
	defer w.stop()
	track(w, frame("grp1", 2))
	w.ack("grp1", 1)
	got, _ := w.trackAll([]hub.Frame{frame("grp1", 1), frame("grp1", 2), frame("grp1", 3),
		{Bytes: []byte("ctrl")}, frame("grp2", 1)})
	want := []bool{false, false, true, false, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("trackAll = %v, want %v", got, want)
		}
	}
	if n := w.pendingCount(); n != 3 {
		t.Fatalf("%d pending, want 3 (grp1 2 and 3, grp2 1)", n)
	}
}

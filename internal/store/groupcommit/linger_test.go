package groupcommit

import (
	"testing"
	"time"
)

// The estimate of how closely writes arrive: a steady stream inside the
// wait engages it, a write after a quiet spell does not wait, and one busy
// batch engages it again.
func TestLingerFollowsArrivals(t *testing.T) {
	l := newLinger(2 * time.Millisecond)
	now := time.Unix(1000, 0)
	l.observe(now, 1)
	engaged := false
	for range 5 {
		now = now.Add(time.Millisecond)
		engaged = l.observe(now, 1)
	}
	if !engaged {
		t.Fatalf("one write a millisecond, gap %v: not waiting with a 2ms wait", l.gap)
	}
	now = now.Add(time.Second)
	if l.observe(now, 1) {
		t.Fatalf("a write after a quiet second waits (gap %v)", l.gap)
	}
	for range 3 {
		now = now.Add(3 * time.Millisecond)
		if l.observe(now, 1) {
			t.Fatalf("writes 3ms apart wait for a 2ms window (gap %v)", l.gap)
		}
	}
	now = now.Add(2 * time.Millisecond)
	if !l.observe(now, 8) {
		t.Fatalf("8 writes in 2ms do not engage the wait (gap %v)", l.gap)
	}
	var off *linger = newLinger(0)
	if off != nil || off.observe(now, 1) {
		t.Fatal("a zero wait lingers")
	}
}

// A writer that waits for each commit before its next request cannot be
// gathered with anything: after a fruitless wait the committer skips the
// wait for 1, 2, 4, … batches, so such a writer almost never waits.
func TestLingerBacksOffWhenWaitsGatherNothing(t *testing.T) {
	l := newLinger(2 * time.Millisecond)
	now := time.Unix(1000, 0)
	l.observe(now, 1)
	waits := 0
	const writes = 200
	for range writes {
		now = now.Add(500 * time.Microsecond) // commit time: the next request follows at once
		if l.observe(now, 1) {
			waits++
			l.gathered(0)
		}
	}
	if waits > 10 {
		t.Fatalf("a serial writer waited %d times in %d writes", waits, writes)
	}
	// A wait that gathers something ends the skipping.
	for l.skip > 0 {
		now = now.Add(500 * time.Microsecond)
		l.observe(now, 1)
	}
	l.gathered(3)
	now = now.Add(500 * time.Microsecond)
	if !l.observe(now, 1) || l.misses != 0 {
		t.Fatalf("after a fruitful wait: not waiting (skip %d, misses %d)", l.skip, l.misses)
	}
}

// At 300 writes a second (3.3ms apart) with a 4ms wait, batches of two keep
// the wait engaged: the write a wait gathered counts in the next interval,
// or the gap would read as 6.7ms and the pairs would fall apart. Each batch
// waits for the next write only while it is due within the wait: the
// first of a pair waits, the second commits at once.
func TestLingerWaitsOnlyForWhatIsDue(t *testing.T) {
	const gap = 3333 * time.Microsecond
	l := newLinger(4 * time.Millisecond)
	now := time.Unix(1000, 0)
	engaged := 0
	for range 30 {
		// A batch that waits gathers the next write, and the one after
		// it starts the next batch; one that does not wait is alone.
		if l.observe(now, 1) {
			engaged++
			l.gathered(1)
			now = now.Add(2 * gap)
		} else {
			now = now.Add(gap)
		}
	}
	if engaged < 25 {
		t.Fatalf("%d of 30 batches waited for writes 3.3ms apart (gap %v), want all but the first few", engaged, l.gap)
	}
	start := now
	if d, ok := l.waitAfter(start, start); !ok || d < gap || d > 4*time.Millisecond {
		t.Fatalf("first of a pair: waits %v (%v), want between the gap and the 4ms wait", d, ok)
	}
	if _, ok := l.waitAfter(start, start.Add(gap)); ok {
		t.Fatalf("second of a pair: waits for a third due at 6.7ms, beyond the 4ms wait")
	}
	// One write a millisecond fills the wait, and no more.
	for range 20 {
		now = now.Add(time.Millisecond)
		l.observe(now, 1)
	}
	start = now
	if _, ok := l.waitAfter(start, start.Add(2*time.Millisecond)); !ok {
		t.Fatalf("writes 1ms apart (gap %v): no wait for the next one at 3ms", l.gap)
	}
	if _, ok := l.waitAfter(start, start.Add(3500*time.Microsecond)); ok {
		t.Fatalf("writes 1ms apart (gap %v): waits for one due after the 4ms wait", l.gap)
	}
}

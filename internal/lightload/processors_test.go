package lightload

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestDecideGoesToOneOnlyAfterACalmStretch(t *testing.T) {
	p := &Processors{Up: 0.5, Down: 0.25, Calm: 3}
	steps := []struct {
		cores        float64
		one, changed bool
	}{
		{0.1, false, false},
		{0.1, false, false},
		{0.3, false, false}, // between Down and Up: the calm stretch starts again
		{0.1, false, false},
		{0.1, false, false},
		{0.1, true, true},
		{0.45, true, false}, // under Up: stays on one
		{0.1, true, false},
		{0.6, false, true}, // one busy interval is enough to go back
		{0.1, false, false},
	}
	for i, s := range steps {
		one, changed := p.Decide(s.cores)
		if one != s.one || changed != s.changed {
			t.Fatalf("step %d (%.2f cores): Decide = %v, %v; want %v, %v", i, s.cores, one, changed, s.one, s.changed)
		}
	}
}

// TestRunFollowsTheLoad runs the controller in this process: idle, it must
// put the process on one processor; busy, back on the default; stopped,
// on the default.
func TestRunFollowsTheLoad(t *testing.T) {
	if !Adapts() {
		t.Skip("one processor here, or GOMAXPROCS set: the controller does not run")
	}
	def := runtime.GOMAXPROCS(0)
	// Low thresholds, so that the test holds on a machine busy with other
	// tests: the spinning goroutines need only a tenth of a core.
	p := &Processors{Interval: 50 * time.Millisecond, Up: 0.1, Down: 0.05, Calm: 3}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, "one processor while idle", func() bool { return runtime.GOMAXPROCS(0) == 1 })

	var stop atomic.Bool
	for range 2 {
		go func() {
			for !stop.Load() {
			}
		}()
	}
	waitFor(t, "the default under load", func() bool { return runtime.GOMAXPROCS(0) == def })
	stop.Store(true)

	waitFor(t, "one processor once idle again", func() bool { return runtime.GOMAXPROCS(0) == 1 })
	cancel()
	<-done
	if n := runtime.GOMAXPROCS(0); n != def {
		t.Fatalf("after Run returned GOMAXPROCS = %d, want the default %d", n, def)
	}
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (GOMAXPROCS = %d)", what, runtime.GOMAXPROCS(0))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

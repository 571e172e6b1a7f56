package hub

import (
	"sync"
	"testing"
	"time"
)

// One write after another reuses the goroutine of the one before: each
// parks after its write and takes the next. (A goroutine counts itself
// parked a moment before it waits, and a write handed over in that moment
// gets a goroutine of its own, so a few may start; one per write without
// the pool.)
func TestStoreWorkersReuseAParkedGoroutine(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	w := newStoreWorkers(done)
	for range 100 {
		ran := make(chan struct{})
		w.run(func() { close(ran) })
		<-ran
		waitParked(t, w, func(n int32) bool { return n >= 1 })
	}
	if n := w.started.Load(); n > 5 {
		t.Fatalf("%d goroutines started for 100 writes one after another, want a few at most", n)
	}
}

// Writes that run at once each get a goroutine; afterwards at most max of
// them stay, and they end when done closes.
func TestStoreWorkersParkAtMostMaxAndEndWithDone(t *testing.T) {
	done := make(chan struct{})
	w := newStoreWorkers(done)
	w.pool.SetMax(3)
	const n = 10
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	for range n {
		w.run(func() { started.Done(); release.Wait() })
	}
	started.Wait()
	if got := w.started.Load(); got != n {
		t.Fatalf("%d goroutines for %d writes at once, want %d", got, n, n)
	}
	release.Done()
	waitParked(t, w, func(n int32) bool { return n == 3 })
	close(done)
	waitParked(t, w, func(n int32) bool { return n == 0 })
}

// waitParked polls until the number of parked goroutines is as wanted.
func waitParked(t *testing.T, w *storeWorkers, wanted func(int32) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !wanted(int32(w.pool.Parked())) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines parked", int32(w.pool.Parked()))
		}
		time.Sleep(time.Millisecond)
	}
}

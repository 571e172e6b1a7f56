package hub

import (
	"sync"
	"testing"
	"time"
)

// One write after another runs on one goroutine: each parks after its
// write and takes the next.
func TestStoreWorkersReuseAParkedGoroutine(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	w := newStoreWorkers(done)
	for range 100 {
		ran := make(chan struct{})
		w.run(func() { close(ran) })
		<-ran
		waitIdle(t, w, 1)
	}
	if n := w.started.Load(); n != 1 {
		t.Fatalf("%d goroutines started for 100 writes one after another, want 1", n)
	}
}

// Writes that run at once each get a goroutine; afterwards at most max of
// them stay, and they end when done closes.
func TestStoreWorkersParkAtMostMaxAndEndWithDone(t *testing.T) {
	done := make(chan struct{})
	w := newStoreWorkers(done)
	w.max = 3
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
	waitIdle(t, w, 3)
	close(done)
	waitIdle(t, w, 0)
}

// waitIdle polls until exactly n goroutines are parked.
func waitIdle(t *testing.T, w *storeWorkers, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for w.idle.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines parked, want %d", w.idle.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

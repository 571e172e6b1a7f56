package grownstack

import (
	"sync"
	"testing"
	"time"
)

// Work handed off runs on a parked goroutine, in the order handed off.
func TestHandedOffWorkRunsOnParkedGoroutine(t *testing.T) {
	ran := make(chan int)
	p := New(1, func(n int) { ran <- n }, nil)
	go p.Park()
	for i := range 10 {
		for !p.HandOff(i) {
			time.Sleep(time.Millisecond) // until the goroutine waits again
		}
		if got := <-ran; got != i {
			t.Fatalf("ran %d, want %d", got, i)
		}
	}
}

// Goroutines that finish work at once park up to max; the rest leave, and
// the parked ones leave when done closes.
func TestParkAtMostMaxAndLeaveWithDone(t *testing.T) {
	done := make(chan struct{})
	p := New(3, func(int) {}, done)
	var finished sync.WaitGroup
	for range 10 {
		finished.Add(1)
		go func() { defer finished.Done(); p.Park() }()
	}
	waitParked(t, p, 3)
	close(done)
	finished.Wait()
	if n := p.Parked(); n != 0 {
		t.Fatalf("%d goroutines parked after done closed, want 0", n)
	}
}

// With nothing parked, HandOff says so and the caller keeps the work.
func TestHandOffWithNoneParked(t *testing.T) {
	p := New(2, func(int) { t.Error("work ran without a parked goroutine") }, nil)
	if p.HandOff(1) {
		t.Fatal("HandOff succeeded with no goroutine parked")
	}
}

func waitParked(t *testing.T, p *Pool[int], n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.Parked() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines parked, want %d", p.Parked(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

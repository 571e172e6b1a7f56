package hub

import (
	"testing"
	"time"
)

// gateSession is the least Subscriber the gate needs: a map key.
type gateSession struct{ Subscriber }

// heldRead is a read that runs until released, reporting when it starts.
type heldRead struct {
	started chan string
	release chan struct{}
}

func (h *heldRead) read(name string) func() {
	return func() {
		h.started <- name
		<-h.release
	}
}

func (h *heldRead) next(t *testing.T) string {
	t.Helper()
	select {
	case name := <-h.started:
		return name
	case <-time.After(5 * time.Second):
		t.Fatal("no read started within the deadline")
		return ""
	}
}

// noneStarted checks that no read has reported starting yet. A read's
// goroutine may still be on its way; the tests then check which read comes
// next, which shows a read started out of turn either way.
func (h *heldRead) noneStarted(t *testing.T) {
	t.Helper()
	select {
	case name := <-h.started:
		t.Fatalf("read %s started, want none", name)
	default:
	}
}

// One session's flood of reads takes at most its share of the slots, and a
// session with nothing running gets the next free slot before the flood's
// queue moves on.
func TestReadGateTurns(t *testing.T) {
	g := newReadGate(2, 100, 3)
	h := &heldRead{started: make(chan string, 100), release: make(chan struct{})}
	flood, victim := &gateSession{}, &gateSession{}
	for range 50 {
		if !g.submit(flood, true, h.read("flood")) {
			t.Fatal("flood read refused below the queue limit")
		}
	}
	h.next(t)
	h.next(t)
	g.submit(&gateSession{}, true, h.read("other")) // the third slot
	if got := h.next(t); got != "other" {
		t.Fatalf("third slot went to %s, want other", got)
	}
	h.noneStarted(t)
	g.submit(victim, true, h.read("victim"))
	h.noneStarted(t) // every slot is taken
	h.release <- struct{}{}
	if got := h.next(t); got != "victim" {
		t.Fatalf("the freed slot went to %s, want the victim's one read", got)
	}
	close(h.release)
	for range 48 {
		if got := h.next(t); got != "flood" {
			t.Fatalf("started %s, want flood", got)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !g.idle() {
		if time.Now().After(deadline) {
			t.Fatal("the gate did not empty")
		}
		time.Sleep(time.Millisecond) // polling a condition, not waiting for an event
	}
}

// Gets beyond a session's queue are refused; the get part of a sub is not.
func TestReadGateQueueBound(t *testing.T) {
	g := newReadGate(1, 2, 4)
	h := &heldRead{started: make(chan string, 10), release: make(chan struct{})}
	defer close(h.release)
	s := &gateSession{}
	for i := range 3 {
		if !g.submit(s, true, h.read("get")) {
			t.Fatalf("get %d refused, want 1 running and 2 waiting", i+1)
		}
	}
	if g.submit(s, true, h.read("get")) {
		t.Fatal("a fourth get was taken with the queue full")
	}
	if !g.submit(s, false, h.read("sub")) {
		t.Fatal("the get part of a sub was refused")
	}
}

// idle reports whether nothing is running or waiting.
func (g *readGate) idle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.running == 0 && len(g.by) == 0
}

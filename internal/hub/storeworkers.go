package hub

import "sync/atomic"

// storeWorkers runs the topics' store writes on goroutines kept from
// earlier writes.
//
// A topic writes each batch off its actor, so that the actor never waits
// for the disk. On a goroutine of its own per batch, every batch grew a
// fresh stack through the store's call path, copying it at each doubling
// (runtime.copystack was 2–3% of the server's CPU at 1,000 msg/s, when
// nearly every batch is one message). A goroutine that has run a write
// parks instead, up to max of them, and takes the next write handed to it;
// when none is parked the write gets a goroutine of its own, which then
// parks or exits. Parked goroutines end when done closes.
type storeWorkers struct {
	ready chan func() // unbuffered: a send succeeds only to a parked goroutine
	done  <-chan struct{}
	max   int32
	idle  atomic.Int32
	// started counts the goroutines started for writes no parked one took.
	started atomic.Int64
}

// maxParkedStoreWorkers bounds the goroutines kept between writes. Writes
// in flight at once are about one per busy topic; what a parked goroutine
// holds is its stack, some KB.
const maxParkedStoreWorkers = 32

func newStoreWorkers(done <-chan struct{}) *storeWorkers {
	return &storeWorkers{ready: make(chan func()), done: done, max: maxParkedStoreWorkers}
}

// run runs job on a parked goroutine, or on a new one when none is parked.
func (w *storeWorkers) run(job func()) {
	select {
	case w.ready <- job:
	default:
		w.started.Add(1)
		go w.work(job)
	}
}

// work runs job, then the jobs handed to it while parked, until enough
// others are parked or done closes.
func (w *storeWorkers) work(job func()) {
	for {
		job()
		if w.idle.Add(1) > w.max {
			w.idle.Add(-1)
			return
		}
		select {
		case job = <-w.ready:
			w.idle.Add(-1)
		case <-w.done:
			w.idle.Add(-1)
			return
		}
	}
}

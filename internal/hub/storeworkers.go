package hub

import (
	"sync/atomic"

	"github.com/parley-im/parley/internal/grownstack"
)

// storeWorkers runs the topics' store writes on goroutines kept from
// earlier writes (package grownstack).
//
// A topic writes each batch off its actor, so that the actor never waits
// for the disk. On a goroutine of its own per batch, every batch grew a
// fresh stack through the store's call path (runtime.copystack was 2–3% of
// the server's CPU at 1,000 msg/s, when nearly every batch is one
// message). A goroutine that has run a write parks instead and takes the
// next one; when none is parked, the write gets a goroutine of its own,
// which then parks or exits. Parked goroutines end when the hub shuts down.
type storeWorkers struct {
	pool *grownstack.Pool[func()]
	// started counts the goroutines started for writes no parked one took.
	started atomic.Int64
}

// maxParkedStoreWorkers bounds the goroutines kept between writes. Writes
// in flight at once are about one per busy topic; what a parked goroutine
// holds is its stack, some KB.
const maxParkedStoreWorkers = 32

func newStoreWorkers(done <-chan struct{}) *storeWorkers {
	return &storeWorkers{pool: grownstack.New(maxParkedStoreWorkers, func(job func()) { job() }, done)}
}

// run runs job on a parked goroutine, or on a new one when none is parked.
func (w *storeWorkers) run(job func()) {
	if w.pool.HandOff(job) {
		return
	}
	w.started.Add(1)
	go func() {
		job()
		w.pool.Park()
	}()
}

// Package groupcommit gathers the write requests of a store's single
// committer into batches, each to be committed in one transaction: the
// requests already queued join a batch at once, so batches grow by
// themselves while a commit is in progress, and at light load a small
// batch may wait a little for requests due soon (linger.go). Both store
// adapters commit this way.
package groupcommit

import "time"

// Batcher takes batches of requests off a queue for one committer
// goroutine; it is not safe for concurrent use.
type Batcher[J any] struct {
	jobs   <-chan J
	max    int
	linger *linger // nil: never wait
}

// NewBatcher returns a Batcher of at most maxBatch requests per batch (at least
// 1) that waits up to wait for more at light load (0: never waits).
func NewBatcher[J any](jobs <-chan J, maxBatch int, wait time.Duration) *Batcher[J] {
	return &Batcher[J]{jobs: jobs, max: max(maxBatch, 1), linger: newLinger(wait)}
}

// Run hands commit each batch in turn until the queue is closed and
// drained. commit owns the batch only until it returns.
func (b *Batcher[J]) Run(commit func([]J)) {
	var batch []J
	for {
		var ok bool
		if batch, ok = b.next(batch); !ok {
			return
		}
		commit(batch)
		clear(batch) // let finished requests be collected
	}
}

// next waits for a request and returns it with the requests that join it,
// reusing batch's array; ok is false once the queue is closed and drained.
func (b *Batcher[J]) next(batch []J) (next []J, ok bool) {
	j, ok := <-b.jobs
	if !ok {
		return batch[:0], false
	}
	batch = b.fill(append(batch[:0], j))
	if len(batch) < b.max && b.linger.observe(time.Now(), len(batch)) {
		batch = b.gather(batch)
	}
	return batch, true
}

// fill adds the requests already queued, without waiting for more.
func (b *Batcher[J]) fill(batch []J) []J {
	for len(batch) < b.max {
		select {
		case j, ok := <-b.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// gather waits, at most the commit wait, for more requests to join batch.
func (b *Batcher[J]) gather(batch []J) []J {
	had := len(batch)
	batch = b.waitForMore(batch)
	b.linger.gathered(len(batch) - had)
	return batch
}

// waitForMore adds requests as they come until the batch is full, the
// next request is not due within the commit wait, the timer fires or the
// queue is closed.
func (b *Batcher[J]) waitForMore(batch []J) []J {
	start := time.Now()
	timeout := b.linger.wait(start)
	defer b.linger.stop()
	for len(batch) < b.max {
		select {
		case j, ok := <-b.jobs:
			if !ok {
				return batch
			}
			batch = b.fill(append(batch, j))
			if !b.linger.more(start) {
				return batch
			}
		case <-timeout:
			return b.fill(batch)
		}
	}
	return batch
}

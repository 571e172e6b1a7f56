package groupcommit

import (
	"slices"
	"testing"
	"time"
)

// A batch takes what is queued, up to the limit, without waiting; the rest
// waits for the next batch, and a closed queue is drained before Next
// reports its end.
func TestBatcherTakesWhatIsQueued(t *testing.T) {
	jobs := make(chan int, 10)
	for i := range 7 {
		jobs <- i
	}
	close(jobs)
	var batches [][]int
	NewBatcher(jobs, 4, 0).Run(func(batch []int) { batches = append(batches, slices.Clone(batch)) })
	want := [][]int{{0, 1, 2, 3}, {4, 5, 6}}
	if !slices.EqualFunc(batches, want, slices.Equal) {
		t.Fatalf("batches %v, want %v", batches, want)
	}
}

// With a commit wait, a request due soon at the rate requests arrive joins
// the batch of the one before it instead of starting its own.
func TestBatcherWaitsForRequestsDueSoon(t *testing.T) {
	jobs := make(chan int)
	go func() {
		tick := time.NewTicker(time.Millisecond) // the pace of the requests
		defer tick.Stop()
		for i := range 50 {
			<-tick.C
			jobs <- i
		}
		close(jobs)
	}()
	most, total := 0, 0
	NewBatcher(jobs, 256, time.Second).Run(func(batch []int) {
		most, total = max(most, len(batch)), total+len(batch)
	})
	if total != 50 || most < 2 {
		t.Fatalf("50 requests 1ms apart with a 1s commit wait: %d taken, at most %d in a batch", total, most)
	}
}

package groupcommit

import "time"

// Linger. Under load, group commit needs no help: requests queue while a
// commit is in progress and the next transaction takes them all. At light
// load it does nothing: each request finds the committer idle and pays a
// whole transaction (its round trips, its log writes and its fsync) alone,
// so a message costs several times the CPU it costs under load. The
// committer therefore waits up to the commit wait for more requests before
// committing a batch, but only while requests arrive closer together than
// that: a request that comes alone after a quiet spell is committed at
// once, and the wait never delays a request by more than the commit wait.
// The ack still follows the commit, so nothing is acknowledged before it is
// durable.
//
// The wait follows the arrival rate: the batch waits for the next request
// only while it is due (one smoothed gap after the last, with half a gap
// to spare for jitter) before the commit wait has passed since the batch
// began. A stream 3.3 ms apart (300 msg/s) with a 4 ms wait commits in
// pairs, the first waiting one gap and the second not at all; a request
// not due within the wait is not waited for, so the wait never costs more
// latency than the arrivals can repay.
//
// A writer that sends its next request only once the previous one is
// committed (one session making dependent changes) also arrives "close
// together", but a wait can never gather its next request. So a wait that
// gathered nothing makes the committer skip the wait for the next 1, 2, 4,
// … 64 batches, and one that gathered something ends the skipping.

// linger tracks how closely requests arrive, in the committer alone.
type linger struct {
	max   time.Duration
	last  time.Time     // when the previous batch's first request was taken
	gap   time.Duration // smoothed time between requests
	timer *time.Timer
	// skip is how many batches still commit without waiting; misses is
	// how many waits in a row gathered nothing.
	skip, misses int
	// joined is how many requests the last wait gathered: they too
	// arrived in the interval the next observe measures.
	joined int
}

// maxSkipShift bounds the skipping after fruitless waits at 2^6 batches.
const maxSkipShift = 6

func newLinger(max time.Duration) *linger {
	if max <= 0 {
		return nil
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &linger{max: max, gap: max * 2, timer: t}
}

// observe records that a batch of n requests was taken at now and reports
// whether the next requests are expected within the wait.
func (l *linger) observe(now time.Time, n int) bool {
	if l == nil {
		return false
	}
	if !l.last.IsZero() {
		// The requests of a batch, and those the previous one gathered
		// while it waited, arrived over the interval since the previous
		// one. A long quiet spell pulls the average up at once (the gap is
		// capped at twice the wait, so one busy batch pulls it down as
		// quickly).
		g := min(now.Sub(l.last)/time.Duration(n+l.joined), 2*l.max)
		l.gap += (g - l.gap) / 2
	}
	l.last, l.joined = now, 0
	if l.skip > 0 {
		l.skip--
		return false
	}
	return l.gap <= l.max
}

// gathered records what a wait brought: nothing makes the next waits
// rarer, anything makes them normal again.
func (l *linger) gathered(n int) {
	l.joined = n
	if n > 0 {
		l.misses = 0
		return
	}
	l.skip = 1 << min(l.misses, maxSkipShift)
	l.misses++
}

// wait starts the timer for the first request after a batch begun at
// start, and returns its channel.
func (l *linger) wait(start time.Time) <-chan time.Time {
	d, _ := l.waitAfter(start, start)
	l.timer.Reset(d)
	return l.timer.C
}

// waitAfter says how long to wait, from now, for the next request of a
// batch begun at start, and whether to wait at all: the next is due a gap
// after now, and waited for only when that is within the wait.
func (l *linger) waitAfter(start, now time.Time) (time.Duration, bool) {
	end := start.Add(l.max)
	if now.Add(l.gap).After(end) {
		return 0, false
	}
	return min(l.gap+l.gap/2, end.Sub(now)), true
}

// more re-arms the timer after a request joined a batch begun at start,
// and reports whether the next one is worth waiting for.
func (l *linger) more(start time.Time) bool {
	now := time.Now()
	d, ok := l.waitAfter(start, now)
	if ok {
		l.timer.Reset(d)
	}
	return ok
}

func (l *linger) stop() { l.timer.Stop() }

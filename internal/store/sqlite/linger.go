package sqlite

import "time"

// Linger. Under load, group commit needs no help: requests queue while a
// commit is in progress and the next transaction takes them all. At light
// load it does nothing: each request finds the committer idle and pays a
// whole transaction (its WAL frames and its fsync) alone, so a message
// costs several times the CPU it costs under load. The committer therefore
// waits up to CommitWait for more requests before committing a batch, but
// only while requests arrive closer together than that: a request that
// comes alone after a quiet spell is committed at once, and the wait never
// delays a request by more than CommitWait. The ack still follows the
// commit, so nothing is acknowledged before it is durable.

// linger tracks how closely requests arrive, in the committer alone.
type linger struct {
	max   time.Duration
	last  time.Time     // when the previous batch's first request was taken
	gap   time.Duration // smoothed time between requests
	timer *time.Timer
}

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
		// The requests of a batch arrived over the interval since the
		// previous one: n per interval. A long quiet spell pulls the
		// average up at once (the gap is capped at twice the wait, so one
		// busy batch pulls it down as quickly).
		g := min(now.Sub(l.last)/time.Duration(n), 2*l.max)
		l.gap += (g - l.gap) / 2
	}
	l.last = now
	return l.gap < l.max
}

// wait starts the timer for the longest the batch may wait.
func (l *linger) wait() <-chan time.Time {
	l.timer.Reset(l.max)
	return l.timer.C
}

func (l *linger) stop() { l.timer.Stop() }

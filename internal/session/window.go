package session

import (
	"sort"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/hub"
)

// window is a session's delivery window: every {data} frame pushed to the
// session stays pending until the session acknowledges its seq (a note recv
// or a datares). One timer per session, not per message, retransmits what is
// overdue with exponential backoff from a timeout measured on the session's
// own acks (ackClock); after limit retransmissions the topic's pending frames
// are given up and the session is marked lagging: it catches up when it
// attaches again. A frame presumed lost is also sent again ahead of the next
// push on its topic (fastresend.go), so one lost frame does not wait for the
// timer when traffic goes on.
type window struct {
	// Static after construction.
	limit  int // retransmissions before giving up
	resend func(f hub.Frame, attempt int)
	giveUp func(f hub.Frame, attempts int)

	mu      sync.Mutex // guards everything below
	clock   ackClock
	topics  map[string]*topicWindow
	timer   *time.Timer
	timerAt time.Time // when timer fires
	lagging bool
	stopped bool
	// waitAck holds tracking off until the session's first
	// acknowledgement, and quiet holds retransmission off (frames are
	// tracked, and given up after their whole retransmission schedule)
	// until the session's first {datares} (reliable.go).
	waitAck bool
	quiet   bool
}

// topicWindow holds one topic's unacknowledged frames, ordered by seq.
type topicWindow struct {
	acked   int
	pending []*inflight
	// sent is the highest seq of any {data} frame the session was sent
	// here, and forwarded the highest recv mark the session passed on to
	// the topic at or below it (acks.go).
	sent      int
	forwarded int
	// fresh is the lowest seq that may still be sent only once: the fast
	// resend looks from here on, so each push costs a search, not a scan
	// of the whole window.
	fresh int
}

type inflight struct {
	frame    hub.Frame
	attempts int       // retransmissions so far
	sent     time.Time // last time it was sent
	due      time.Time // when the timer sends it again
}

// retry is a frame to send again, and which retransmission it is.
type retry struct {
	frame   hub.Frame
	attempt int
}

// maxBackoff caps the interval between retransmissions.
const maxBackoff = time.Minute

// newWindow returns a window whose retransmission timeout is measured from
// the session's acks and kept between floor and ceiling; ceiling is also the
// timeout until the first measurement.
func newWindow(floor, ceiling time.Duration, limit int, resend, giveUp func(hub.Frame, int)) *window {
	return &window{clock: newAckClock(floor, ceiling), limit: limit, resend: resend, giveUp: giveUp,
		topics: map[string]*topicWindow{}}
}

// trackAll registers pushed frames under one lock. It reports, per frame,
// whether it is tracked: only {data} frames (with a topic and seq) are, and
// not those the session has already acknowledged (history it asked for) or
// that are pending already. It also returns the frames presumed lost
// (fastresend.go), which the caller must send before the batch: they were
// all pushed before it.
func (w *window) trackAll(fs []hub.Frame) ([]bool, []retry) {
	tracked := make([]bool, len(fs))
	now := time.Now()
	var again []retry
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, f := range fs {
		tracked[i] = f.Seq > 0 && f.Topic != "" && w.trackLocked(f, now, &again)
	}
	if len(again) > 0 {
		w.clock.timedOut()
	}
	return tracked, again
}

// trackLocked tracks one frame with w.mu held; frames to send again before
// f are appended to again.
func (w *window) trackLocked(f hub.Frame, now time.Time, again *[]retry) bool {
	if w.stopped {
		return false
	}
	tw := w.topics[f.Topic]
	if tw == nil {
		tw = &topicWindow{}
		w.topics[f.Topic] = tw
	}
	tw.sent = max(tw.sent, f.Seq)
	if w.waitAck || f.Seq <= tw.acked {
		return false
	}
	i := sort.Search(len(tw.pending), func(i int) bool { return tw.pending[i].frame.Seq >= f.Seq })
	if i < len(tw.pending) && tw.pending[i].frame.Seq == f.Seq {
		return false // already pending: the copy on its way is enough
	}
	wait := w.clock.rto()
	if w.quiet {
		wait = w.quietLife()
	} else {
		*again = w.overdueLocked(tw, i, now, *again)
	}
	tw.pending = append(tw.pending, nil)
	copy(tw.pending[i+1:], tw.pending[i:])
	tw.pending[i] = &inflight{frame: f, sent: now, due: now.Add(wait)}
	tw.fresh = min(tw.fresh, f.Seq)
	w.armLocked(now, wait)
	return true
}

// ack acknowledges everything up to seq on topic and returns the frames it
// released.
func (w *window) ack(topic string, seq int) []hub.Frame {
	w.mu.Lock()
	defer w.mu.Unlock()
	tw := w.topics[topic]
	if tw == nil {
		// Nothing was ever pushed here: remembering the ack would let a
		// client grow this map with made-up topic names.
		return nil
	}
	if seq <= tw.acked {
		return nil
	}
	tw.acked = seq
	n := sort.Search(len(tw.pending), func(i int) bool { return tw.pending[i].frame.Seq > seq })
	released := make([]hub.Frame, n)
	for i := 0; i < n; i++ {
		released[i] = tw.pending[i].frame
	}
	// The newest frame released is what this ack answers (clients ack the
	// last seq they have). If it was sent twice, the ack may answer the
	// second copy, so it is no measurement (Karn's rule); older frames
	// resent before it do not change when it arrived.
	if n > 0 && tw.pending[n-1].attempts == 0 {
		w.clock.sample(time.Since(tw.pending[n-1].sent))
	}
	tw.pending = forget(tw.pending, n)
	return released
}

// ackRange releases the pending frames with low ≤ seq < hi.
func (w *window) ackRange(topic string, low, hi int) []hub.Frame {
	w.mu.Lock()
	defer w.mu.Unlock()
	tw := w.topics[topic]
	if tw == nil {
		return nil
	}
	var released []hub.Frame
	kept := tw.pending[:0]
	for _, p := range tw.pending {
		if p.frame.Seq >= low && p.frame.Seq < hi {
			released = append(released, p.frame)
		} else {
			kept = append(kept, p)
		}
	}
	clear(tw.pending[len(kept):])
	tw.pending = kept
	return released
}

// freshRecv reports whether a recv mark of seq on topic says more than the
// marks this session already passed on to the topic.
func (w *window) freshRecv(topic string, seq int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	tw := w.topics[topic]
	return tw == nil || seq > tw.forwarded
}

// forwardedRecv records that a recv (or read) mark of seq reached the
// topic. A mark above every seq the session was sent is not remembered: it
// may report a history that was rolled back (a new epoch), and the marks
// that follow, below it, must still count.
func (w *window) forwardedRecv(topic string, seq int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if tw := w.topics[topic]; tw != nil && seq <= tw.sent {
		tw.forwarded = max(tw.forwarded, seq)
	}
}

// detached forgets what was sent on topic and which marks were passed on:
// a one-to-one topic deleted and created again starts its seqs afresh.
func (w *window) detached(topic string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if tw := w.topics[topic]; tw != nil {
		tw.sent, tw.forwarded = 0, 0
	}
}

// forget drops the first n frames of pending. The array behind the slice is
// not allowed to keep them: acknowledged frames would otherwise stay in
// memory for as long as the session is idle.
func forget(pending []*inflight, n int) []*inflight {
	if n == len(pending) {
		return nil
	}
	clear(pending[:n])
	return pending[n:]
}

// armLocked makes sure the timer fires within d of now.
func (w *window) armLocked(now time.Time, d time.Duration) {
	at := now.Add(d)
	switch {
	case w.timer == nil:
		w.timer = time.AfterFunc(d, w.fire)
		w.timerAt = at
	case at.Before(w.timerAt) && w.timer.Stop():
		// The timer was set for a longer timeout than the one measured
		// since. (If Stop fails, fire is about to run and re-arms itself
		// for the earliest due frame.)
		w.timer.Reset(d)
		w.timerAt = at
	}
}

// fire retransmits every overdue frame, gives up on topics past the limit,
// and re-arms the timer for the next due frame.
func (w *window) fire() {
	now := time.Now()
	var resend, lost []inflight
	w.mu.Lock()
	w.timer = nil
	if w.stopped {
		w.mu.Unlock()
		return
	}
	if w.quiet {
		lost = w.expireQuietLocked(now)
		w.mu.Unlock()
		w.reportLost(lost)
		return
	}
	rto := w.clock.rto()
	next := time.Duration(0)
	for _, tw := range w.topics {
		if len(tw.pending) > 0 && tw.pending[0].attempts >= w.limit && !tw.pending[0].due.After(now) {
			for _, p := range tw.pending {
				lost = append(lost, *p)
			}
			tw.pending = nil
			w.lagging = true
			continue
		}
		for _, p := range tw.pending {
			if !p.due.After(now) {
				p.attempts++
				p.sent, p.due = now, now.Add(backoff(rto, p.attempts))
				resend = append(resend, *p)
			}
			if d := p.due.Sub(now); next == 0 || d < next {
				next = d
			}
		}
	}
	if next > 0 {
		w.armLocked(now, next)
	}
	if len(resend) > 0 {
		w.clock.timedOut()
	}
	w.mu.Unlock()
	for _, p := range resend {
		w.resend(p.frame, p.attempts)
	}
	w.reportLost(lost)
}

// reportLost tells the session of the frames given up, without w.mu held.
func (w *window) reportLost(lost []inflight) {
	for _, p := range lost {
		w.giveUp(p.frame, p.attempts)
	}
}

// backoff is rto doubled for each earlier attempt, capped.
func backoff(rto time.Duration, attempts int) time.Duration {
	d := rto << min(attempts, 16)
	return min(d, maxBackoff)
}

// stop ends retransmission for good.
func (w *window) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
}

// isLagging reports whether the session gave up on any frame.
func (w *window) isLagging() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lagging
}

// pendingCount is the number of unacknowledged frames, for tests.
func (w *window) pendingCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, tw := range w.topics {
		n += len(tw.pending)
	}
	return n
}

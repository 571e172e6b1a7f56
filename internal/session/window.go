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
// overdue with exponential backoff; after limit attempts the topic's pending
// frames are given up and the session is marked lagging: it catches up when
// it attaches again.
type window struct {
	// Static after construction.
	rto    time.Duration // first retransmission after this long
	limit  int           // retransmissions before giving up
	resend func(f hub.Frame, attempt int)
	giveUp func(f hub.Frame, attempts int)

	mu      sync.Mutex // guards everything below
	topics  map[string]*topicWindow
	timer   *time.Timer
	lagging bool
	stopped bool
	// waitAck holds retransmission off until the session's first
	// acknowledgement (reliable.go).
	waitAck bool
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
}

type inflight struct {
	frame    hub.Frame
	attempts int
	due      time.Time
}

// maxBackoff caps the interval between retransmissions.
const maxBackoff = time.Minute

func newWindow(rto time.Duration, limit int, resend, giveUp func(hub.Frame, int)) *window {
	return &window{rto: rto, limit: limit, resend: resend, giveUp: giveUp, topics: map[string]*topicWindow{}}
}

// track registers a pushed data frame. It reports false for frames the
// session has already acknowledged (history it asked for), which need no ack.
func (w *window) track(f hub.Frame) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.trackLocked(f, time.Now())
}

// trackAll is track for each of fs under one lock; it reports, per frame,
// whether it is tracked. Only {data} frames (with a topic and seq) are.
func (w *window) trackAll(fs []hub.Frame) []bool {
	tracked := make([]bool, len(fs))
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, f := range fs {
		tracked[i] = f.Seq > 0 && f.Topic != "" && w.trackLocked(f, now)
	}
	return tracked
}

// trackLocked is track with w.mu held and the time given.
func (w *window) trackLocked(f hub.Frame, now time.Time) bool {
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
	tw.pending = append(tw.pending, nil)
	copy(tw.pending[i+1:], tw.pending[i:])
	tw.pending[i] = &inflight{frame: f, due: now.Add(w.rto)}
	w.armLocked(w.rto)
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

// armLocked makes sure the timer fires within d.
func (w *window) armLocked(d time.Duration) {
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.fire)
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
				p.due = now.Add(backoff(w.rto, p.attempts))
				resend = append(resend, *p)
			}
			if d := p.due.Sub(now); next == 0 || d < next {
				next = d
			}
		}
	}
	if next > 0 {
		w.armLocked(next)
	}
	w.mu.Unlock()
	for _, p := range resend {
		w.resend(p.frame, p.attempts)
	}
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

package session

import (
	"slices"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// outbox is a session's bounded outbound queue. Producers (topics, the
// session itself) never block on it: when it holds more than limit bytes the
// session is closed as a slow consumer, so one stuck client cannot stall a
// topic or its other receivers.
type outbox struct {
	ready chan struct{} // signalled when frames or a close reason are waiting

	mu     sync.Mutex // guards the fields below
	frames [][]byte
	stamps []time.Time // per frame: when its message was stored, zero if not a first delivery
	// handed holds the stamps of the frames the last drain handed out,
	// until the writer reports them written (or drains again).
	handed   []time.Time
	handedAt time.Time // when they were handed out, if any are stamped
	size     int
	limit    int
	bye      *proto.Disconnect
	wake     func() // called after ready is signalled by a producer, if set
}

func newOutbox(limit int) *outbox {
	return &outbox{ready: make(chan struct{}, 1), limit: limit}
}

// push queues b, by the same rule as pushAll. It returns false if the
// outbox is closed or b overflows it, in which case the outbox closes itself
// with DisconnectSlow.
func (o *outbox) push(b []byte) bool { return o.pushAll([][]byte{b}, nil) }

// pushAll queues bs (for the hub, everything one committed batch sends to
// this session) under one lock and with one wake. An empty outbox takes the whole batch
// whatever its size: the client has read everything before it, so it is not
// slow, and a batch of large messages can exceed the limit by itself (frames
// pushed one by one were drained in between by the writer). Otherwise, when
// the batch does not fit, none of it is queued and the outbox closes. So a
// stuck client holds at most the limit plus one batch. stamps, if not nil,
// has one entry per frame of bs (see outbox.stamps).
func (o *outbox) pushAll(bs [][]byte, stamps []time.Time) bool {
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	o.mu.Lock()
	if o.bye != nil {
		o.mu.Unlock()
		return false
	}
	ok := o.size == 0 || o.size+n <= o.limit
	if ok {
		o.queueStamps(stamps, len(bs))
		o.frames = append(o.frames, bs...)
		o.size += n
	} else {
		d := proto.DisconnectSlow
		o.bye = &d
	}
	wake := o.wake
	o.mu.Unlock()
	o.notify(wake)
	return ok
}

// close asks the writer to end the connection with d after what is queued.
func (o *outbox) close(d proto.Disconnect) {
	o.mu.Lock()
	if o.bye == nil {
		o.bye = &d
	}
	wake := o.wake
	o.mu.Unlock()
	o.notify(wake)
}

// setWake registers fn to be called whenever a producer signals ready, so a
// transport can start a writer on demand instead of parking one goroutine
// per connection on ready. Anything already waiting is announced at once.
func (o *outbox) setWake(fn func()) {
	o.mu.Lock()
	o.wake = fn
	waiting := len(o.frames) > 0 || o.bye != nil
	o.mu.Unlock()
	if waiting {
		o.notify(fn)
	}
}

// notify signals ready, then calls wake. The order matters: a writer that
// finds ready empty and stops must be sure that a later wake follows.
func (o *outbox) notify(wake func()) {
	o.signal()
	if wake != nil {
		wake()
	}
}

func (o *outbox) signal() {
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

// drain takes up to max frames (all when max ≤ 0) and the close reason, if
// any. A slow-consumer close discards what is queued: the client resumes
// from its last seq instead.
func (o *outbox) drain(max int) ([][]byte, *proto.Disconnect) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.bye != nil && *o.bye == proto.DisconnectSlow {
		o.frames, o.stamps, o.handed, o.size = nil, nil, nil, 0
		return nil, o.bye
	}
	n := len(o.frames)
	if max > 0 && n > max {
		n = max
	}
	out := o.take(n)
	for _, f := range out {
		o.size -= len(f)
	}
	if len(o.frames) > 0 {
		o.signal() // more for the next round, for the drainer itself
		return out, nil
	}
	return out, o.bye
}

// take removes the first n frames, and keeps their stamps in handed. The
// queue keeps no reference to frames it handed out: an idle session would
// otherwise pin its last burst (and the array holding it) until its next one.
func (o *outbox) take(n int) [][]byte {
	if n == len(o.frames) {
		out := o.frames
		o.frames, o.handed, o.stamps = nil, o.stamps, nil
		o.stampHanded()
		return out
	}
	o.handed = nil
	if o.stamps != nil {
		o.handed = append([]time.Time(nil), o.stamps[:n]...)
		o.stamps = o.stamps[n:]
	}
	o.stampHanded()
	out := make([][]byte, n)
	copy(out, o.frames)
	clear(o.frames[:n])
	o.frames = o.frames[n:]
	return out
}

// stampHanded notes when handed was handed out: one clock read per drain,
// and only when something handed out is measured.
func (o *outbox) stampHanded() {
	if o.handed != nil {
		o.handedAt = time.Now()
	}
}

// written returns the stamps of the frames the last drain handed out and
// when it did, once: the writer calls it after they reached the socket.
func (o *outbox) written() ([]time.Time, time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	h := o.handed
	o.handed = nil
	return h, o.handedAt
}

// queueStamps queues the stamps of n frames about to be queued, keeping
// stamps aligned with frames. stamps is nil for frames that carry none; a
// queue that never held a stamped frame keeps no stamps at all (sessions
// without a histogram, and most frames of any session).
func (o *outbox) queueStamps(stamps []time.Time, n int) {
	if stamps == nil && o.stamps == nil {
		return
	}
	if o.stamps == nil {
		o.stamps = make([]time.Time, len(o.frames), len(o.frames)+n)
	}
	if stamps != nil {
		o.stamps = append(o.stamps, stamps...)
		return
	}
	l := len(o.stamps)
	o.stamps = slices.Grow(o.stamps, n)[:l+n]
	clear(o.stamps[l:])
}

package session

import (
	"sync"

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
	size   int
	limit  int
	bye    *proto.Disconnect
}

func newOutbox(limit int) *outbox {
	return &outbox{ready: make(chan struct{}, 1), limit: limit}
}

// push queues b. It returns false if the outbox is closed or b overflows it,
// in which case the outbox closes itself with DisconnectSlow.
func (o *outbox) push(b []byte) bool {
	o.mu.Lock()
	if o.bye != nil {
		o.mu.Unlock()
		return false
	}
	if o.size+len(b) > o.limit {
		d := proto.DisconnectSlow
		o.bye = &d
		o.mu.Unlock()
		o.signal()
		return false
	}
	o.frames = append(o.frames, b)
	o.size += len(b)
	o.mu.Unlock()
	o.signal()
	return true
}

// close asks the writer to end the connection with d after what is queued.
func (o *outbox) close(d proto.Disconnect) {
	o.mu.Lock()
	if o.bye == nil {
		o.bye = &d
	}
	o.mu.Unlock()
	o.signal()
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
		o.frames, o.size = nil, 0
		return nil, o.bye
	}
	n := len(o.frames)
	if max > 0 && n > max {
		n = max
	}
	out := o.frames[:n:n]
	o.frames = o.frames[n:]
	for _, f := range out {
		o.size -= len(f)
	}
	if len(o.frames) > 0 {
		o.signal() // more for the next round
		return out, nil
	}
	return out, o.bye
}

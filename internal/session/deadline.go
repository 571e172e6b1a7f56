package session

import (
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// deadline ends a session that does not say hi, then does not log in, in
// time. Before login a session costs the server a socket, buffers and
// goroutines while it proves nothing, and answering pings would otherwise
// keep it for ever.
type deadline struct {
	mu     sync.Mutex // guards the fields below
	timer  *time.Timer
	reason proto.Disconnect
	done   bool // logged in or ended: the deadline no longer applies
}

// start arms the hi deadline; a zero d leaves the session without one.
func (d *deadline) start(after time.Duration, reason proto.Disconnect, expire func(proto.Disconnect)) {
	if after <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reason = reason
	d.timer = time.AfterFunc(after, func() {
		d.mu.Lock()
		r, done := d.reason, d.done
		d.mu.Unlock()
		if !done {
			expire(r)
		}
	})
}

// next moves the deadline on to the next step: after hi, the login; a zero
// after drops the deadline.
func (d *deadline) next(after time.Duration, reason proto.Disconnect) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer == nil || d.done {
		return
	}
	if after <= 0 {
		d.done = true
		d.timer.Stop()
		return
	}
	d.reason = reason
	d.timer.Reset(after)
}

// stop disarms the deadline for good.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done = true
	if d.timer != nil {
		d.timer.Stop()
	}
}

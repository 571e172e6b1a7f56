package policy

import (
	"sync"
	"time"
)

// breaker stops calling a failing review service for a while: after
// failures consecutive failures it opens, and every call fails at once
// (taking the configured fail mode) until cooldown has passed; then one
// call is let through to probe, and its outcome closes or reopens it. This
// keeps a dead service from adding its timeout to every message.
type breaker struct {
	failures int
	cooldown time.Duration
	now      func() time.Time

	mu       sync.Mutex
	failed   int       // consecutive failures
	openedAt time.Time // zero: closed
	probing  bool      // a probe is in flight
}

// allow reports whether a call may go out now.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openedAt.IsZero() {
		return true
	}
	if b.probing || b.now().Sub(b.openedAt) < b.cooldown {
		return false
	}
	b.probing = true
	return true
}

// done records the outcome of an allowed call.
func (b *breaker) done(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if ok {
		b.failed, b.openedAt = 0, time.Time{}
		return
	}
	b.failed++
	if b.failed >= b.failures || !b.openedAt.IsZero() {
		b.openedAt = b.now()
	}
}

// open reports whether the breaker is refusing calls.
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openedAt.IsZero()
}

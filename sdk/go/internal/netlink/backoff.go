package netlink

import (
	"math/rand/v2"
	"time"
)

// Backoff computes reconnect delays: exponential growth capped at Max, with
// full jitter (a uniform pick in [0, cap)) so that clients dropped together
// by a gateway restart do not come back together.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
	// Rand returns a number in [0, 1); nil uses math/rand/v2. Tests inject
	// a fixed value to make delays exact.
	Rand func() float64
}

// Cap is the upper bound of the delay before the attempt-th retry (0-based).
func (b Backoff) Cap(attempt int) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if limit < base {
		limit = base
	}
	d := base
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Delay is the jittered delay before the attempt-th retry.
func (b Backoff) Delay(attempt int) time.Duration {
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return time.Duration(r() * float64(b.Cap(attempt)))
}

package auth

import (
	"sync"
	"time"
)

// Throttle limits failures per key (an account, a client address) with a
// token bucket each: Burst failures at once, then one per Every. Logins are
// checked against it before the password hash is computed, so a throttled
// guesser costs no bcrypt time. Only keys that failed recently take memory:
// a bucket that has refilled is forgotten.
type Throttle struct {
	// Static after construction.
	burst float64
	every time.Duration
	max   int              // buckets kept before refilled ones are swept
	now   func() time.Time // time.Now, or a test's clock

	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64   // failures still allowed at `at`
	at     time.Time // when tokens was computed
}

// maxBuckets bounds a throttle's memory (about 100 bytes a bucket): past
// it, refilled buckets are swept, then, if that is not enough, arbitrary
// ones, so a flood of distinct keys cannot grow it without bound.
const maxBuckets = 100_000

// NewThrottle allows burst failures per key, then one per every.
func NewThrottle(burst int, every time.Duration) *Throttle {
	return &Throttle{burst: float64(max(burst, 1)), every: every, max: maxBuckets, now: time.Now,
		buckets: map[string]*bucket{}}
}

// refillLocked brings b up to now and reports whether it is full.
func (t *Throttle) refillLocked(b *bucket, now time.Time) bool {
	if t.every > 0 {
		b.tokens += float64(now.Sub(b.at)) / float64(t.every)
	}
	b.at = now
	if b.tokens >= t.burst {
		b.tokens = t.burst
		return true
	}
	return false
}

// Wait is how long key must wait before its next failure is allowed; zero
// when one is allowed now. A nil Throttle never waits.
func (t *Throttle) Wait(key string) time.Duration {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[key]
	if b == nil {
		return 0
	}
	now := t.now()
	if t.refillLocked(b, now) {
		delete(t.buckets, key)
		return 0
	}
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(t.every))
}

// Clean reports whether key has no failures left to refill: it failed
// never, or long enough ago. A nil Throttle is always clean.
func (t *Throttle) Clean(key string) bool {
	if t == nil {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[key]
	if b == nil || t.refillLocked(b, t.now()) {
		delete(t.buckets, key)
		return true
	}
	return false
}

// Fail records a failure of key.
func (t *Throttle) Fail(key string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b := t.buckets[key]
	if b == nil {
		if len(t.buckets) >= t.max {
			t.sweepLocked(now)
		}
		b = &bucket{tokens: t.burst, at: now}
		t.buckets[key] = b
	}
	t.refillLocked(b, now)
	b.tokens = max(b.tokens-1, 0)
}

// sweepLocked forgets refilled buckets, then arbitrary ones down to three
// quarters of max: losing some keys' history is better than unbounded
// memory, and each address is throttled before it can try many accounts.
func (t *Throttle) sweepLocked(now time.Time) {
	for k, b := range t.buckets {
		if t.refillLocked(b, now) {
			delete(t.buckets, k)
		}
	}
	for k := range t.buckets {
		if len(t.buckets) <= t.max*3/4 {
			break
		}
		delete(t.buckets, k)
	}
}

// Len is the number of keys with a recent failure.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}

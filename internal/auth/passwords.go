package auth

import (
	"context"
	"runtime"
)

// Passwords hashes and checks passwords with bcrypt, at most Workers at a
// time. Each bcrypt is ~60 ms of one core by design; unbounded, a flood of
// wrong passwords occupies every core and every other request waits. With
// the bound, the flood queues behind the workers and the remaining cores go
// on serving messages.
type Passwords struct {
	slots chan struct{} // Static after construction.
}

// DefaultPasswordWorkers leaves one core free of bcrypt work (one worker on
// a single core).
func DefaultPasswordWorkers() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// NewPasswords runs bcrypt on at most workers cores (zero:
// DefaultPasswordWorkers).
func NewPasswords(workers int) *Passwords {
	if workers <= 0 {
		workers = DefaultPasswordWorkers()
	}
	return &Passwords{slots: make(chan struct{}, workers)}
}

// acquire waits for a worker slot; a nil Passwords has no bound.
func (p *Passwords) acquire(ctx context.Context) error {
	if p == nil {
		return nil
	}
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Passwords) release() {
	if p != nil {
		<-p.slots
	}
}

// Hash returns the stored form of password, hashed with cost (zero:
// DefaultPasswordCost).
func (p *Passwords) Hash(ctx context.Context, password string, cost int) ([]byte, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	return HashPassword(password, cost)
}

// Check reports whether password matches the stored hash; it fails only if
// ctx ends while waiting for a worker.
func (p *Passwords) Check(ctx context.Context, hash []byte, password string) (bool, error) {
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	return CheckPassword(hash, password), nil
}

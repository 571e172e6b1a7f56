// Package grownstack keeps goroutines whose stacks earlier work has grown,
// parked until there is more of that work.
//
// A goroutine starts on the runtime's 2 KB minimum stack, and work with a
// deep call path (handling a frame, a store write) grows it, copying it at
// each doubling. Done on a fresh goroutine every time, that copying was
// several percent of the server's CPU at light load. A goroutine that has
// done the work parks in a Pool instead, and the next piece of work is
// handed to it. At most max goroutines park, so a pool holds a bounded
// number of grown stacks, whatever the number of connections or topics.
package grownstack

import "sync/atomic"

// Pool hands work of type T to parked goroutines, which run it with work.
type Pool[T any] struct {
	ready chan T // unbuffered: a send succeeds only to a parked goroutine
	work  func(T)
	done  <-chan struct{}
	max   atomic.Int32
	idle  atomic.Int32
}

// New returns a pool in which up to max goroutines park and run work on
// what is handed to them. They leave when done closes; a nil done keeps
// them as long as the process.
func New[T any](max int, work func(T), done <-chan struct{}) *Pool[T] {
	p := &Pool[T]{ready: make(chan T), work: work, done: done}
	p.max.Store(int32(max))
	return p
}

// HandOff gives x to a parked goroutine, and reports whether one took it.
// When none did, the caller runs the work itself (and may then Park).
func (p *Pool[T]) HandOff(x T) bool {
	select {
	case p.ready <- x:
		return true
	default:
		return false
	}
}

// Park keeps the calling goroutine, whose stack earlier work has grown, to
// run the work handed off to it. It returns when enough goroutines are
// parked already, or when done closes.
//
// A goroutine counts itself parked a moment before it waits, so a HandOff
// in that moment finds none and its caller runs the work itself.
func (p *Pool[T]) Park() {
	for p.idle.Add(1) <= p.max.Load() {
		select {
		case x := <-p.ready:
			p.idle.Add(-1)
			p.work(x)
		case <-p.done:
			p.idle.Add(-1)
			return
		}
	}
	p.idle.Add(-1)
}

// Parked reports how many goroutines are parked.
func (p *Pool[T]) Parked() int { return int(p.idle.Load()) }

// Max reports how many goroutines may park.
func (p *Pool[T]) Max() int { return int(p.max.Load()) }

// SetMax changes how many goroutines may park from now on; those parked
// beyond it leave after their next work.
func (p *Pool[T]) SetMax(n int) { p.max.Store(int32(n)) }

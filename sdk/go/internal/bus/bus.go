// Package bus is the SDK's publish/subscribe glue between its layers. A Bus
// fans values out to subscribers; each subscriber has its own queue and
// goroutine, so a publisher never waits for a slow subscriber (the network
// reader must not stall because a UI callback is busy) and every subscriber
// sees values in publication order.
package bus

import "sync"

// Bus delivers published values to every current subscriber.
type Bus[T any] struct {
	mu sync.Mutex
	// Guarded by mu.
	subs   map[uint64]*mailbox[T]
	nextID uint64
	closed bool
}

// New returns an empty bus.
func New[T any]() *Bus[T] {
	return &Bus[T]{subs: map[uint64]*mailbox[T]{}}
}

// Subscribe calls fn for every value published from now on, on a goroutine
// of its own. The returned func unsubscribes; values still queued for fn are
// dropped. Calling it more than once is harmless.
func (b *Bus[T]) Subscribe(fn func(T)) (unsubscribe func()) {
	mb := newMailbox(fn)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		mb.stop()
		return func() {}
	}
	id := b.nextID
	b.nextID++
	b.subs[id] = mb
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
			mb.stop()
		})
	}
}

// Publish queues v for every subscriber and returns at once.
func (b *Bus[T]) Publish(v T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, mb := range b.subs {
		mb.put(v)
	}
}

// Close unsubscribes everyone; later publications go nowhere.
func (b *Bus[T]) Close() {
	b.mu.Lock()
	subs := b.subs
	b.subs = map[uint64]*mailbox[T]{}
	b.closed = true
	b.mu.Unlock()
	for _, mb := range subs {
		mb.stop()
	}
}

// mailbox is one subscriber's unbounded queue and the goroutine draining it.
type mailbox[T any] struct {
	fn   func(T)
	wake chan struct{}
	done chan struct{}
	mu   sync.Mutex
	// Guarded by mu.
	queue   []T
	stopped bool
}

func newMailbox[T any](fn func(T)) *mailbox[T] {
	mb := &mailbox[T]{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go mb.run()
	return mb
}

func (mb *mailbox[T]) put(v T) {
	mb.mu.Lock()
	if mb.stopped {
		mb.mu.Unlock()
		return
	}
	mb.queue = append(mb.queue, v)
	mb.mu.Unlock()
	select {
	case mb.wake <- struct{}{}:
	default:
	}
}

func (mb *mailbox[T]) stop() {
	mb.mu.Lock()
	if !mb.stopped {
		mb.stopped = true
		mb.queue = nil
		close(mb.done)
	}
	mb.mu.Unlock()
}

func (mb *mailbox[T]) run() {
	for {
		select {
		case <-mb.done:
			return
		case <-mb.wake:
		}
		for {
			mb.mu.Lock()
			if mb.stopped || len(mb.queue) == 0 {
				mb.mu.Unlock()
				break
			}
			v := mb.queue[0]
			var zero T
			mb.queue[0] = zero
			mb.queue = mb.queue[1:]
			mb.mu.Unlock()
			mb.fn(v)
		}
	}
}

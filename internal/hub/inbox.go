package hub

import "sync"

// inbox is a topic's request queue. A channel would reserve its whole
// capacity up front — 64 KB for 4,096 slots in every actor, idle or not, and
// actors are started by anyone who names a topic — so the queue is a slice
// that grows with what is waiting, up to max, and is released when the actor
// has caught up. ready holds one token while events are waiting, so the actor
// can select on it next to its other channels.
type inbox struct {
	ready chan struct{}
	max   int

	mu   sync.Mutex
	q    []event
	head int // q[head:] are waiting
}

// keepInbox is the capacity an empty inbox may keep: a busy topic reuses it
// instead of growing again after every burst, an idle one holds little.
const keepInbox = 16

func newInbox(max int) *inbox {
	return &inbox{ready: make(chan struct{}, 1), max: max}
}

// offer queues ev unless max events are waiting; it never blocks.
func (b *inbox) offer(ev event) bool {
	b.mu.Lock()
	if len(b.q)-b.head >= b.max {
		b.mu.Unlock()
		return false
	}
	if len(b.q) == cap(b.q) && b.head > 0 {
		// Reuse the consumed front before growing the array.
		n := copy(b.q, b.q[b.head:])
		clear(b.q[n:])
		b.q, b.head = b.q[:n], 0
	}
	b.q = append(b.q, ev)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default: // a token is waiting already
	}
	return true
}

// take returns the oldest waiting event, or nil. When more are waiting it
// puts the ready token back, so the actor handles one event per turn of its
// loop, as it would from a channel.
func (b *inbox) take() event {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.head == len(b.q) {
		return nil
	}
	ev := b.q[b.head]
	b.q[b.head] = nil
	b.head++
	if b.head == len(b.q) {
		b.head = 0
		b.q = b.q[:0]
		if cap(b.q) > keepInbox {
			b.q = nil
		}
		return ev
	}
	select {
	case b.ready <- struct{}{}:
	default:
	}
	return ev
}

// len is the number of waiting events.
func (b *inbox) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.q) - b.head
}

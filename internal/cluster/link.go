package cluster

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Core NATS delivers at most once, so a link turns it into an ordered,
// exactly-once stream between two nodes: one goroutine per destination
// sends everything queued as one numbered batch by request/reply and
// repeats the batch until the destination acknowledges it; the destination
// applies each batch number once (receiver.go). Requests, the replies to
// them and committed messages for a node's sessions all ride on it, so a
// message lost by NATS is resent, not silently missing, and nothing
// overtakes anything else between two nodes.
const (
	// linkTimeout is how long a batch waits for its acknowledgement before
	// it is sent again.
	linkTimeout = 2 * time.Second
	// linkRetry is the pause before a batch is sent again after an error
	// that came at once (no responder: the destination is reconnecting).
	linkRetry = 100 * time.Millisecond
	// maxLinkBatch caps the items of one batch.
	maxLinkBatch = 512
)

// link is the sending end towards one node.
type link struct {
	node *Node
	dest string
	id   string

	mu      sync.Mutex
	queue   []item
	busy    bool // a batch is on its way
	closed  bool
	wake    chan struct{}
	stopped chan struct{}
}

func newLink(n *Node, dest string) *link {
	l := &link{node: n, dest: dest, id: randomID(), wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go l.run()
	return l
}

// send queues it; false once the link is closed (the destination died).
func (l *link) send(it item) bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, it)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// close stops the link; what is queued is dropped.
func (l *link) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		l.queue = nil
		close(l.stopped)
	}
}

// idle reports whether everything queued was acknowledged (or dropped).
func (l *link) idle() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed || (!l.busy && len(l.queue) == 0)
}

func (l *link) take() []item {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(len(l.queue), maxLinkBatch)
	l.busy = n > 0
	batch := l.queue[:n:n]
	l.queue = l.queue[n:]
	if len(l.queue) == 0 {
		l.queue = nil
	}
	return batch
}

func (l *link) run() {
	var seq uint64
	for {
		select {
		case <-l.wake:
		case <-l.stopped:
			return
		case <-l.node.ctx.Done():
			return
		}
		for batch := l.take(); len(batch) > 0; batch = l.take() {
			seq++
			data, err := json.Marshal(envelope{From: l.node.id, Link: l.id, Seq: seq, Items: batch})
			if err != nil {
				l.node.log.Error("cluster: encoding a batch", "err", err)
				continue
			}
			if !l.deliver(data) {
				return
			}
		}
	}
}

// deliver sends one batch until it is acknowledged; false when the link
// stopped first (the destination died, or this node is closing).
func (l *link) deliver(data []byte) bool {
	for {
		_, err := l.node.nc.Request(subjectOf(l.dest), data, linkTimeout)
		if err == nil {
			return true
		}
		select {
		case <-l.stopped:
			return false
		case <-l.node.ctx.Done():
			return false
		default:
		}
		if err != nats.ErrTimeout {
			select {
			case <-time.After(linkRetry):
			case <-l.stopped:
				return false
			case <-l.node.ctx.Done():
				return false
			}
		}
	}
}

package ws

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// grownStacks keeps a few goroutines whose stacks handling frames has
// already grown, parked until some connection has a frame to read.
//
// A connection waits for its next frame on a fresh goroutine, whose stack is
// the runtime's 2 KB minimum: an idle connection must not pin the 8–16 KB
// that decoding and handling a frame grows a stack to, and a parked stack
// shrinks only slowly, by half at a garbage collection. But handling the
// frame on that fresh goroutine grew its stack again, copying it at each
// doubling, on every frame of a busy connection (runtime.newstack and
// copystack were 7% of the server's CPU at 1,000 msg/s). So the fresh
// goroutine only waits: once the socket is readable it hands the connection
// to a parked grown goroutine and exits, and the grown one reads and
// handles the frames, starts the next waiter and parks again. When none is
// parked, the waiter handles the frames itself and then stays as one.
//
// At most max goroutines park, so what the pool holds is bounded by the
// number of processors, not the number of connections; they live as long as
// the Handler (the process).
type grownStacks struct {
	once  sync.Once
	ready chan *conn // unbuffered: a send succeeds only to a parked goroutine
	idle  atomic.Int32
	max   int32
}

// parkedPerProc is how many grown goroutines may park per processor. Only
// as many frames are handled at once as there are processors, except while
// a handler blocks (on a full outbox, say), so a few spare ones suffice.
const parkedPerProc = 2

// init makes the pool on first use: a Handler is a plain struct literal.
func (p *grownStacks) init() {
	p.once.Do(func() {
		p.ready = make(chan *conn)
		// The cores, not GOMAXPROCS: a lightly loaded server runs on one
		// processor for a while (internal/lightload), and the pool is
		// sized once, at the first connection.
		p.max = int32(parkedPerProc * runtime.NumCPU())
	})
}

// handOff gives c, whose socket is readable, to a parked grown goroutine,
// and reports whether one took it.
func (p *grownStacks) handOff(c *conn) bool {
	select {
	case p.ready <- c:
		return true
	default:
		return false
	}
}

// park keeps the calling goroutine, whose stack a burst of frames has
// grown, to read and handle the frames of connections handed off to it. It
// returns at once when enough goroutines are parked already.
func (p *grownStacks) park() {
	for p.idle.Add(1) <= p.max {
		c := <-p.ready
		p.idle.Add(-1)
		c.burst()
	}
	p.idle.Add(-1)
}

// parked reports how many goroutines are parked in the pool.
func (p *grownStacks) parked() int { return int(p.idle.Load()) }

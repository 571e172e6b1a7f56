package ws

import (
	"runtime"
	"sync"

	"github.com/parley-im/parley/internal/grownstack"
)

// grownStacks keeps a few goroutines whose stacks handling frames has
// already grown, parked until some connection has a frame to read
// (package grownstack).
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
// At most two per core park, so what the pool holds is bounded by the
// number of cores, not the number of connections; they live as long as the
// Handler (the process).
type grownStacks struct {
	once sync.Once
	pool *grownstack.Pool[*conn]
}

// parkedPerProc is how many grown goroutines may park per processor. Only
// as many frames are handled at once as there are processors, except while
// a handler blocks (on a full outbox, say), so a few spare ones suffice.
const parkedPerProc = 2

// init makes the pool on first use: a Handler is a plain struct literal.
func (p *grownStacks) init() {
	p.once.Do(func() {
		// The cores, not GOMAXPROCS: a lightly loaded server runs on one
		// processor for a while (internal/lightload), and the pool is
		// sized once, at the first connection.
		p.pool = grownstack.New(parkedPerProc*runtime.NumCPU(), (*conn).burst, nil)
	})
}

// handOff gives c, whose socket is readable, to a parked grown goroutine,
// and reports whether one took it.
func (p *grownStacks) handOff(c *conn) bool { return p.pool.HandOff(c) }

// park keeps the calling goroutine, whose stack a burst of frames has
// grown, to read and handle the frames of connections handed off to it. It
// returns at once when enough goroutines are parked already.
func (p *grownStacks) park() { p.pool.Park() }

// parked reports how many goroutines are parked in the pool.
func (p *grownStacks) parked() int { return p.pool.Parked() }

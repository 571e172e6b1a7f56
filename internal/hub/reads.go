package hub

import (
	"context"
	"slices"
	"sync"
)

// readGate schedules the reads behind get requests (history pages, member
// and topic lists, searches), which run off the topic actors. Without it a
// client could queue any number of large reads, each on a goroutine of its
// own, and everyone's reads would wait for the store's connections behind
// them. The gate runs at most perSession reads of one session and total of
// all sessions at once; the others wait in their session's queue, and a
// free slot goes to the waiting session with the fewest reads running,
// taking turns among equals, so a session with one read waits for the reads
// in flight, not for everyone's queue.
type readGate struct {
	// Static after construction.
	perSession int
	queue      int // waiting gets per session before 429
	total      int

	mu      sync.Mutex
	running int
	by      map[Subscriber]*reader // sessions with reads running or waiting
	turns   []*reader              // sessions with reads waiting, next turn first
}

// reader is one session's reads in the gate.
type reader struct {
	sess    Subscriber
	running int
	waiting []func()
}

func newReadGate(perSession, queue, total int) *readGate {
	return &readGate{perSession: max(perSession, 1), queue: max(queue, 0), total: max(total, 1),
		by: map[Subscriber]*reader{}}
}

// submit runs read now or when its turn comes. bounded reads (a get) are
// refused, and submit returns false, when the session already has its queue
// full; the get part of a sub is never refused, as the sub itself has been
// answered and each session has only so many topics to attach.
func (g *readGate) submit(s Subscriber, bounded bool, read func()) bool {
	g.mu.Lock()
	r := g.by[s]
	if r == nil {
		r = &reader{sess: s}
		g.by[s] = r
	}
	if len(r.waiting) == 0 && r.running < g.perSession && g.running < g.total {
		r.running++
		g.running++
		g.mu.Unlock()
		g.start(r, read)
		return true
	}
	if bounded && len(r.waiting) >= g.queue {
		g.forgetIdleLocked(r)
		g.mu.Unlock()
		return false
	}
	if len(r.waiting) == 0 {
		g.turns = append(g.turns, r)
	}
	r.waiting = append(r.waiting, read)
	g.mu.Unlock()
	return true
}

func (g *readGate) start(r *reader, read func()) {
	go func() {
		read()
		g.done(r)
	}()
}

// done frees the slot of a finished read and starts the reads that may run.
func (g *readGate) done(r *reader) {
	g.mu.Lock()
	r.running--
	g.running--
	type next struct {
		r    *reader
		read func()
	}
	var start []next
	for g.running < g.total {
		n := g.nextLocked()
		if n == nil {
			break
		}
		read := n.waiting[0]
		n.waiting[0] = nil
		n.waiting = n.waiting[1:]
		if len(n.waiting) == 0 {
			n.waiting = nil
		}
		n.running++
		g.running++
		start = append(start, next{n, read})
	}
	g.forgetIdleLocked(r)
	g.mu.Unlock()
	for _, n := range start {
		g.start(n.r, n.read)
	}
}

// nextLocked picks the session whose read runs next, and moves it to the
// back of the turns (or out, when nothing more waits). Nil if none may run.
func (g *readGate) nextLocked() *reader {
	best := -1
	for i, r := range g.turns {
		if r.running < g.perSession && (best < 0 || r.running < g.turns[best].running) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	r := g.turns[best]
	g.turns = slices.Delete(g.turns, best, best+1)
	if len(r.waiting) > 1 {
		g.turns = append(g.turns, r)
	}
	return r
}

// forgetIdleLocked drops a session with nothing running or waiting.
func (g *readGate) forgetIdleLocked(r *reader) {
	if r.running == 0 && len(r.waiting) == 0 {
		delete(g.by, r.sess)
	}
}

// contextual is a Subscriber whose requests end with it: reads for a
// session that has gone stop instead of reading on for nobody.
type contextual interface {
	Context() context.Context
}

// readContext is the context of s's reads: the session's, if it has one,
// else the hub's.
func (h *Hub) readContext(s Subscriber) context.Context {
	if c, ok := s.(contextual); ok {
		return c.Context()
	}
	return h.ctx
}

package lightload

import (
	"context"
	"os"
	"runtime"
	"time"
)

// Processors. With two processors or more, every goroutine made runnable
// while a processor is idle starts a thread spinning on another core to
// look for work, which finds none when the goroutine that woke it runs
// the new one next, as a reader handing a frame to its topic does. At
// light load that is nearly every hand-over, and each costs two context
// switches and a wake-up across cores: at 1,000 messages a second it was a
// fifth of the server's CPU. On one processor none of that happens, and
// one core has room to spare for such a load. So the process runs on one
// processor while its CPU use stays well under one core, and on all of
// them as soon as it rises.
//
// Operators who set GOMAXPROCS keep what they set: the controller does
// not run.

// Processors decides, from the process's CPU use sampled at a fixed
// interval, whether it runs on one processor or on the runtime's default.
type Processors struct {
	// Interval is how often CPU use is sampled.
	Interval time.Duration
	// Up is the CPU use, in cores, above which one interval on one
	// processor returns the process to the default at once.
	Up float64
	// Down is the CPU use below which Calm intervals in a row put the
	// process on one processor.
	Down float64
	Calm int

	calm int  // intervals in a row below Down
	one  bool // running on one processor
}

// NewProcessors returns the controller with its defaults: sampled every
// 100 ms, one processor after a second under 40% of a core, all of them
// after 100 ms over 75% of one. (1,000 messages a second in 10
// conversations took 25–30% of a core on two processors.)
func NewProcessors() *Processors {
	return &Processors{Interval: 100 * time.Millisecond, Up: 0.75, Down: 0.4, Calm: 10}
}

// Decide takes the CPU use of the last interval, in cores, and returns
// whether the process should now run on one processor, and whether that
// is a change.
func (p *Processors) Decide(cores float64) (one, changed bool) {
	switch {
	case p.one && cores > p.Up:
		p.one, p.calm = false, 0
		return false, true
	case p.one:
		return true, false
	case cores < p.Down:
		p.calm++
	default:
		p.calm = 0
	}
	if p.calm >= p.Calm {
		p.one, p.calm = true, 0
		return true, true
	}
	return false, false
}

// Adapts reports whether the controller should run in this process: not
// when the operator set GOMAXPROCS, nor when there is one processor
// anyway, nor where the process's CPU time cannot be read.
func Adapts() bool {
	_, ok := processCPU()
	return ok && os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) > 1
}

// Run samples the process's CPU use until ctx ends, switching between one
// processor and the runtime's default as Decide says, and leaves the
// default in place when it returns.
func (p *Processors) Run(ctx context.Context) {
	defer runtime.SetDefaultGOMAXPROCS()
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	last, _ := processCPU()
	lastAt := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			used, ok := processCPU()
			if !ok {
				return
			}
			cores := used.Seconds() - last.Seconds()
			if elapsed := now.Sub(lastAt).Seconds(); elapsed > 0 {
				cores /= elapsed
			}
			last, lastAt = used, now
			if one, changed := p.Decide(cores); changed {
				setOne(one)
			}
		}
	}
}

// setOne puts the process on one processor, or back on the runtime's
// default (which follows the CPU quota and affinity as they change).
func setOne(one bool) {
	if one {
		runtime.GOMAXPROCS(1)
		return
	}
	runtime.SetDefaultGOMAXPROCS()
}

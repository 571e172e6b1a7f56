package chaos

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Timeouts of the clients. A request whose answer does not come in time is
// retried, or the connection is dropped and made again: under the relay a
// frame may simply vanish, and a careful client cannot wait for it forever.
const (
	requestTimeout = time.Second     // hi, login, sub: each try
	requestTries   = 3               // then the connection is made anew
	resendAfter    = 2 * time.Second // an unacknowledged pub is sent again
	fetchTimeout   = 2 * time.Second // a get data without its closing ctrl
	tickEvery      = 100 * time.Millisecond
	minBackoff     = 10 * time.Millisecond
	maxBackoff     = 500 * time.Millisecond
)

// clientCfg is who a client is and where it connects.
type clientCfg struct {
	name string
	addr string     // the relay's
	pb   bool       // speak protobuf (parley-protobuf) instead of JSON
	rng  *rand.Rand // backoff jitter; owned by the client's goroutine
	stop <-chan struct{}
}

// clientRun reconnects a client for as long as it has work, and counts.
type clientRun struct {
	clientCfg
	dials atomic.Int64 // connections made (the first one included)
	fails atomic.Int64 // dials refused, as while the gateway restarts
	// lastErr is why the last session ended, for a stuck test's report.
	lastErr atomic.Value
}

// session runs on one connection; it returns done when the client has
// finished its work, and healthy if it got as far as being attached (which
// resets the backoff).
type session func(c *wsConn) (done, healthy bool, err error)

// loop connects, runs sessions and reconnects with jittered exponential
// backoff until a session says done or stop closes.
func (r *clientRun) loop(s session) {
	wait := minBackoff
	for !isClosed(r.stop) {
		c, err := dial(r.addr, r.pb)
		if err != nil {
			r.fails.Add(1)
			r.lastErr.Store(err.Error())
		} else {
			r.dials.Add(1)
			done, healthy, err := s(c)
			c.close()
			if done {
				return
			}
			if err != nil {
				r.lastErr.Store(err.Error())
			}
			if healthy {
				wait = minBackoff
			}
		}
		// Bounded backoff: the only sleep of a client, and stop ends it.
		jittered := wait/2 + time.Duration(r.rng.Int64N(int64(wait)))
		select {
		case <-time.After(jittered):
		case <-r.stop:
			return
		}
		wait = min(2*wait, maxBackoff)
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// pollUntil checks cond every few milliseconds until it holds (true) or
// timeout passes (false).
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

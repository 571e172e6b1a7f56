package session

import "time"

// ackClock measures how long a session takes to acknowledge a pushed frame,
// the way TCP measures a round trip (RFC 6298): a smoothed time (srtt) and
// its mean deviation (rttvar). The time includes the client's own delay
// before it acks (tinode-sdk waits about 100 ms to ack several frames at
// once), which is what a retransmission has to wait for.
//
// The retransmission timeout derived from it is clamped between floor and
// ceiling: the floor keeps a session with a tiny round trip from resending
// on every scheduling hiccup, and the ceiling (retransmit_after) is also the
// timeout before the first sample, so a client that never acks is treated
// as before.
type ackClock struct {
	floor, ceiling time.Duration

	srtt, rttvar time.Duration
	sampled      bool
}

// Gains of RFC 6298: srtt moves by 1/8 of the error, rttvar by 1/4.
const (
	srttShift   = 3
	rttvarShift = 2
)

func newAckClock(floor, ceiling time.Duration) ackClock {
	return ackClock{floor: min(floor, ceiling), ceiling: ceiling}
}

// sample adds one measured acknowledgement time. Callers pass only frames
// that were sent once (Karn's rule): the ack of a resent frame could answer
// either copy, and taking it would bias the estimate.
func (c *ackClock) sample(r time.Duration) {
	r = max(r, 0)
	if !c.sampled {
		c.srtt, c.rttvar, c.sampled = r, r/2, true
		return
	}
	dev := c.srtt - r
	if dev < 0 {
		dev = -dev
	}
	c.rttvar += (dev - c.rttvar) >> rttvarShift
	c.srtt += (r - c.srtt) >> srttShift
}

// rto is the retransmission timeout: srtt + 4·rttvar, clamped.
func (c *ackClock) rto() time.Duration {
	if !c.sampled {
		return c.ceiling
	}
	return c.clamp(c.srtt + 4*c.rttvar)
}

// overdue is how long a frame sent once may go unacknowledged before it is
// presumed lost when a newer frame is pushed: srtt + 2·rttvar, clamped (and
// never above rto). Before any sample nothing is presumed lost early.
func (c *ackClock) overdue() time.Duration {
	if !c.sampled {
		return c.ceiling
	}
	return c.clamp(c.srtt + 2*c.rttvar)
}

func (c *ackClock) clamp(d time.Duration) time.Duration {
	return min(max(d, c.floor), c.ceiling)
}

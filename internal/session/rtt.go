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
	// backedOff counts the retransmission rounds since the last sample.
	// As in RFC 6298 (5.5, 5.7), the timeout a round doubled is kept for
	// the frames pushed after it until an ack of a frame sent once measures
	// the session again. Without it a client that acks late on purpose
	// (tinode-sdk acks when 100 ms pass with no new message, so a steady
	// stream is acked only when it pauses) has every frame of the stream
	// sent twice, and Karn's rule never lets a sample raise the timeout.
	backedOff int
}

// maxBackedOff bounds the doubling; the ceiling clamps it long before.
const maxBackedOff = 10

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
	c.backedOff = 0
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

// rto is the retransmission timeout: srtt + 4·rttvar, doubled for each
// round since the last sample, clamped.
func (c *ackClock) rto() time.Duration {
	if !c.sampled {
		return c.ceiling
	}
	return c.clamp((c.srtt + 4*c.rttvar) << c.backedOff)
}

// timedOut records a round of retransmissions (by the timer or ahead of a
// push): the timeouts double until the next sample.
func (c *ackClock) timedOut() {
	if c.sampled {
		c.backedOff = min(c.backedOff+1, maxBackedOff)
	}
}

// overdue is how long a frame sent once may go unacknowledged before it is
// presumed lost when a newer frame is pushed: srtt + 2·rttvar, doubled as
// rto is, clamped (and never above rto). Before any sample nothing is presumed lost early.
func (c *ackClock) overdue() time.Duration {
	if !c.sampled {
		return c.ceiling
	}
	return c.clamp((c.srtt + 2*c.rttvar) << c.backedOff)
}

func (c *ackClock) clamp(d time.Duration) time.Duration {
	return min(max(d, c.floor), c.ceiling)
}

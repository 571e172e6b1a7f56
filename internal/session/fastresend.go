package session

import (
	"sort"
	"time"
)

// Fast resend. A client that lost a frame (a proxy dropped it, the
// application crashed before it processed it) would otherwise wait for the
// retransmission timer. When a newer frame is pushed on the same topic, the
// frames before it that were sent once and are unacknowledged for longer
// than the session's measured ack time (ackClock.overdue) are presumed lost
// and sent again first, in seq order, so the client gets them before the
// new one and sees no gap.
//
// It cannot become a storm:
//   - before the session's first measured ack nothing is presumed lost, so a
//     client that never acks costs what the timer costs;
//   - a frame is fast-resent at most once, and counts as a retransmission:
//     after it only the timer sends it again, with backoff, and the limit
//     still ends it;
//   - frames younger than the ack time are left alone, so a burst pushed
//     faster than the client acks resends nothing;
//   - one push resends at most the frames pending on its topic, and over
//     the session's life no frame is fast-resent twice, so the total is at
//     most one window.

// overdueLocked appends to again the frames before index i of tw (all with
// a lower seq than the frame being pushed, seq) that are presumed lost, and
// marks them sent now. Only frames from tw.fresh on are looked at: pushes
// go out in seq order, so the frames sent once are also in order of age,
// and the search stops at the first one still young enough.
func (w *window) overdueLocked(tw *topicWindow, i int, now time.Time, again []retry) []retry {
	if !w.clock.sampled {
		return again
	}
	wait, rto := w.clock.overdue(), w.clock.rto()
	j := sort.Search(i, func(k int) bool { return tw.pending[k].frame.Seq >= tw.fresh })
	for ; j < i; j++ {
		p := tw.pending[j]
		if p.attempts > 0 {
			continue // resent already: the timer's business now
		}
		if now.Sub(p.sent) <= wait {
			break
		}
		p.attempts = 1
		p.sent, p.due = now, now.Add(backoff(rto, p.attempts))
		again = append(again, retry{frame: p.frame, attempt: p.attempts})
	}
	if j < i {
		tw.fresh = tw.pending[j].frame.Seq
	} else if i > 0 {
		tw.fresh = tw.pending[i-1].frame.Seq + 1
	}
	return again
}

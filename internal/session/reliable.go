package session

import "time"

// Who is retransmitted to. Retransmission repairs frames lost where TCP
// cannot see: a long-polling response that never reached the client, a
// proxy that dropped a frame, a client that crashed before it handled one.
// It costs a copy of every frame acknowledged later than the timeout, and a
// client that does not deduplicate shows that copy.
//
//   - Long polling: always. An HTTP response can be lost with its
//     connection while the session lives on.
//   - WebSocket: once the session has sent a {datares}, which Parley's
//     clients (sdk/go, web/sdk) send and Tinode's never do. Before that
//     ("quiet") each {data} frame is still tracked until acknowledged, so
//     the first {datares} can retransmit what was not acknowledged by
//     then, and a frame unacknowledged for its whole retransmission
//     schedule is given up (the session is lagging) as it would have been.
//     What a dead connection lost is not the window's business: the next
//     session resumes from the user's or device's recv mark (hi.dev).
//     tinode-sdk acknowledges a steady stream only when it pauses (one
//     note recv when 100 ms pass without {data}), so on a live connection
//     retransmitting to it only sent it frames it already had.
//   - gRPC: once the session has acknowledged anything. Tinode's gRPC
//     clients (tn-cli) never acknowledge, and would print every copy, so
//     until then frames are not even tracked. It is also sent the
//     presence kinds that have no value in Tinode's enums (what=gap) only
//     from then on: Tinode's client fails on an enum value it does not
//     know, and it would not page history anyway.
//
// Any {datares} counts, one with no acknowledgement in it too: that is how a
// client asks for retransmission from its first message on.

// optIn starts tracking for a session that waited for its first
// acknowledgement (gRPC).
func (w *window) optIn() {
	w.mu.Lock()
	w.waitAck = false
	w.mu.Unlock()
}

// optInLive starts retransmission for a session that sent a {datares}:
// frames pending since before are due one timeout from now.
func (w *window) optInLive() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waitAck = false
	if !w.quiet {
		return
	}
	w.quiet = false
	if w.stopped {
		return
	}
	now, rto := time.Now(), w.clock.rto()
	due := false
	for _, tw := range w.topics {
		for _, p := range tw.pending {
			p.due, due = now.Add(rto), true
		}
	}
	if due {
		w.armLocked(now, rto)
	}
}

// quietLife is how long a quiet session's frame may stay unacknowledged:
// the whole schedule of retransmissions it would have had.
func (w *window) quietLife() time.Duration {
	life := time.Duration(0)
	for attempt := 0; attempt <= w.limit; attempt++ {
		life += backoff(w.clock.ceiling, attempt)
	}
	return life
}

// expireQuietLocked gives up the topics whose oldest pending frame outlived
// quietLife and re-arms the timer for the next one: one look per topic,
// not per frame.
func (w *window) expireQuietLocked(now time.Time) []inflight {
	var lost []inflight
	next := time.Duration(0)
	for _, tw := range w.topics {
		if len(tw.pending) == 0 {
			continue
		}
		if d := tw.pending[0].due.Sub(now); d > 0 {
			if next == 0 || d < next {
				next = d
			}
			continue
		}
		for _, p := range tw.pending {
			lost = append(lost, *p)
		}
		tw.pending = nil
		w.lagging = true
	}
	if next > 0 {
		w.armLocked(now, next)
	}
	return lost
}

// reliable reports whether frames are tracked for retransmission.
func (w *window) reliable() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.waitAck
}

// Reliable reports whether the session takes part in reliable delivery:
// always on WebSocket and long polling; on gRPC once it has acknowledged.
// Transports send Parley's extension kinds only to reliable sessions.
func (s *Session) Reliable() bool { return s.win.reliable() }

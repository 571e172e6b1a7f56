package session

import (
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/trace"
)

// acknowledge releases the frames of view up to seq from the delivery
// window. Acks come from note recv and datares, also for topics the session
// is no longer attached to.
func (s *Session) acknowledge(view string, seq int) {
	s.win.optIn()
	user := s.UserID().UserID() // once per ack, not per frame released
	for _, f := range s.win.ack(view, seq) {
		s.recordAs(user, trace.Acked, f, 0)
	}
}

// acknowledgeRanges releases individual seqs without moving the cumulative
// ack: a client that received a history page out of order says so this way.
func (s *Session) acknowledgeRanges(view string, ranges []proto.MsgDelRange) {
	s.win.optIn()
	for _, r := range ranges {
		hi := r.Hi
		if hi == 0 {
			hi = r.Low + 1
		}
		for _, f := range s.win.ackRange(view, r.Low, hi) {
			s.record(trace.Acked, f, 0)
		}
	}
}

// retransmit sends an overdue frame again: same bytes, so the same seq and
// msgid, which clients deduplicate.
func (s *Session) retransmit(f hub.Frame, attempt int) {
	if s.out.push(f.Bytes) {
		s.record(trace.Retransmitted, f, attempt+1)
	}
}

// gaveUp records a frame the session stopped retransmitting.
func (s *Session) gaveUp(f hub.Frame, attempts int) {
	s.record(trace.GaveUp, f, attempts+1)
}

// Lagging reports whether the session gave up retransmitting anything; it
// catches up when the client attaches again.
func (s *Session) Lagging() bool { return s.win.isLagging() }

func (s *Session) record(stage trace.Stage, f hub.Frame, attempt int) {
	s.recordAs(s.UserID().UserID(), stage, f, attempt)
}

// recordAs is record with the user's id already formatted, for callers that
// record many frames at once.
func (s *Session) recordAs(user string, stage trace.Stage, f hub.Frame, attempt int) {
	s.deps.Trace.Record(trace.Event{Stage: stage, Topic: f.Name, Seq: f.Seq, MsgID: f.MsgID,
		Session: s.id, User: user, Attempt: attempt})
}

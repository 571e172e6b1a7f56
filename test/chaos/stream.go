package chaos

import (
	"slices"
	"time"
)

// Entry is one message as the application sees it.
type Entry struct {
	Seq   int
	MsgID string
}

// pageLimit is the most messages the gateway sends for one get data.
const pageLimit = 100

// maxMisses is how many complete answers to get data must lack a seq before
// a receiver believes the gateway has nothing there and passes over it. A
// relay drops a frame with probability p, so passing over a seq the gateway
// has takes p^maxMisses bad luck; the checker then reports it anyway.
const maxMisses = 6

// stream is a receiver's view of one topic: what its application has been
// given, strictly in seq order and without gaps, and what came early and
// waits in buf for the messages before it. It is the receiver's logic
// without the socket, so it can be tested on its own.
type stream struct {
	label, view string

	last   int            // every seq up to last is settled
	app    []Entry        // what the application was given, in order
	passed []int          // seqs passed over: msgid already given, or never found
	holes  int            // of which never found on the gateway
	given  map[string]int // msgid → seq it was given at
	buf    map[int]string // seq → msgid, received above last+1
	misses map[int]int    // seq → complete fetches that lacked it

	redundant int // frames received again (retransmitted, duplicated, refetched)
	ackDirty  bool
	fetch     *fetch // the get data in flight, if any
	// tail is set when a final open-ended get found nothing after last
	// and nothing waits in buf: the receiver has what the gateway has.
	tail bool
}

// fetch is a get data in flight: since low, before hi (0: open-ended).
type fetch struct {
	id      string
	low, hi int
	sent    time.Time
	// final marks a get sent after every sender finished: only its "nothing
	// after" proves the topic complete.
	final bool
}

func newStream(label, view string) *stream {
	return &stream{label: label, view: view, given: map[string]int{}, buf: map[int]string{},
		misses: map[int]int{}}
}

// data takes one {data} frame, whether pushed, retransmitted or fetched.
func (s *stream) data(seq int, msgid string) {
	if seq <= s.last {
		s.redundant++
		s.ackDirty = true // the ack may have been lost: say it again
		return
	}
	if _, ok := s.buf[seq]; ok {
		s.redundant++
		return
	}
	s.buf[seq] = msgid
	s.tail = false
	s.advance()
}

// advance gives the application every buffered message that is next in line.
func (s *stream) advance() {
	for {
		msgid, ok := s.buf[s.last+1]
		if !ok {
			return
		}
		delete(s.buf, s.last+1)
		delete(s.misses, s.last+1)
		s.last++
		s.ackDirty = true
		if _, dup := s.given[msgid]; dup {
			// The gateway stored this msgid twice; the application
			// must not see it twice.
			s.passed = append(s.passed, s.last)
			continue
		}
		s.given[msgid] = s.last
		s.app = append(s.app, Entry{Seq: s.last, MsgID: msgid})
	}
}

// gap returns the range to fetch: from the first missing seq up to the
// lowest one waiting in buf.
func (s *stream) gap() (low, hi int, ok bool) {
	if s.fetch != nil || len(s.buf) == 0 {
		return 0, 0, false
	}
	return s.last + 1, slices.Min(keys(s.buf)), true
}

// fetched ends the fetch in flight: code is the closing ctrl's (208 with
// count, or 204 for none). A complete answer that still lacks a seq is a
// miss for it; after maxMisses the seq is passed over as a hole.
func (s *stream) fetched(code, count int) {
	f := s.fetch
	s.fetch = nil
	if f == nil {
		return
	}
	if f.hi == 0 {
		s.tail = f.final && code == 204 && len(s.buf) == 0
		return
	}
	// Pages come newest first, so a full page may leave the bottom of the
	// range unanswered; such a page proves nothing about it.
	complete := code == 204 || count < pageLimit || count >= f.hi-f.low
	if code != 204 && code != 208 || !complete {
		return
	}
	for seq := max(f.low, s.last+1); seq < f.hi; seq++ {
		if _, ok := s.buf[seq]; !ok {
			s.misses[seq]++
		}
	}
	for len(s.buf) > 0 && s.misses[s.last+1] >= maxMisses {
		delete(s.misses, s.last+1)
		s.last++
		s.passed = append(s.passed, s.last)
		s.holes++
		s.ackDirty = true
		s.advance()
	}
}

// expire abandons a fetch whose answer is overdue; a late answer to it is
// then ignored, and the gap is asked for again.
func (s *stream) expire(now time.Time) {
	if s.fetch != nil && now.Sub(s.fetch.sent) > fetchTimeout {
		s.fetch = nil
	}
}

func keys(m map[int]string) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

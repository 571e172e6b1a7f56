// Package seqtrack keeps, per conversation, which seqs the client has had:
// the basis of gap detection (what to fetch after a jump or a reconnect) and
// of acknowledgements (everything up to Floor has been received). It counts
// every seq the server sent, including messages the application filtered out
// and messages deleted for the user, so they are neither fetched again nor
// left unacknowledged.
package seqtrack

// MaxSpan is the widest range one fetch asks for: the server's page size, so
// that a complete answer proves every seq in the range was covered.
const MaxSpan = 100

// Tracker is one topic's received-seq bookkeeping. Not safe for concurrent
// use; the conversation's lock guards it.
type Tracker struct {
	started bool
	floor   int              // every seq ≤ floor is had
	above   map[int]struct{} // had seqs > floor
	known   int              // highest seq known to exist
	acked   int              // highest seq acknowledged to the server
}

// New returns a tracker that has not seen the topic yet.
func New() *Tracker { return &Tracker{above: map[int]struct{}{}} }

// Started reports whether Start was called.
func (t *Tracker) Started() bool { return t.started }

// Start sets where history begins for this client: seqs up to floor are not
// wanted (older history is loaded on demand, not by gap filling).
func (t *Tracker) Start(floor int) {
	if t.started {
		return
	}
	t.started = true
	t.floor = max(t.floor, floor)
	t.advance()
}

// Floor is the highest seq below which nothing is missing.
func (t *Tracker) Floor() int { return t.floor }

// Known is the highest seq known to exist.
func (t *Tracker) Known() int { return t.known }

// Exists records that the topic has messages up to seq (from a description
// or an ack), without having them.
func (t *Tracker) Exists(seq int) { t.known = max(t.known, seq) }

// Add records a received seq; it reports whether it was new.
func (t *Tracker) Add(seq int) bool {
	t.Exists(seq)
	if seq <= t.floor {
		return false
	}
	if _, ok := t.above[seq]; ok {
		return false
	}
	t.above[seq] = struct{}{}
	t.advance()
	return true
}

// Covered records that a fetch of [lo, hi) was answered completely, so any
// seq in it that did not come does not exist for this user.
func (t *Tracker) Covered(lo, hi int) {
	for s := max(lo, t.floor+1); s < hi; s++ {
		t.above[s] = struct{}{}
	}
	t.advance()
}

func (t *Tracker) advance() {
	for {
		if _, ok := t.above[t.floor+1]; !ok {
			return
		}
		delete(t.above, t.floor+1)
		t.floor++
	}
}

// Gap returns the first missing range [lo, hi), at most MaxSpan wide, or
// ok=false when nothing is missing up to Known.
func (t *Tracker) Gap() (lo, hi int, ok bool) {
	if !t.started || t.floor >= t.known {
		return 0, 0, false
	}
	lo = t.floor + 1
	hi = lo + 1
	for hi <= t.known && hi < lo+MaxSpan {
		if _, had := t.above[hi]; had {
			break
		}
		hi++
	}
	return lo, hi, true
}

// AckDue returns the seq to acknowledge when the floor passed the last ack.
func (t *Tracker) AckDue() (seq int, ok bool) {
	if t.floor > t.acked {
		return t.floor, true
	}
	return 0, false
}

// Acked records a sent acknowledgement.
func (t *Tracker) Acked(seq int) { t.acked = max(t.acked, seq) }

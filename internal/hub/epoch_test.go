package hub_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// nextPres reads frames until a {pres} and returns it.
func nextPres(t *testing.T, s *session) map[string]any {
	t.Helper()
	for {
		if p, ok := s.next(t)["pres"].(map[string]any); ok {
			return p
		}
	}
}

// A recv note for a seq the topic never reached means its history was
// rolled back: the topic takes a new epoch, stores it and tells attached
// sessions. Further reports within the interval change nothing more.
func TestNoteBeyondLatestRenewsEpoch(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	a, b := f.attach("a", owner, ""), f.attach("b", owner, "")
	f.pub(a, 2)
	before := f.barrier(a)["desc"].(map[string]any)["epoch"]

	f.note(b, "recv", 10)
	for _, s := range []*session{a, b} {
		p := nextPres(t, s)
		if p["what"] != "upd" || p["topic"] != name || p["epoch"] == nil || p["epoch"] == before {
			t.Fatalf("after a report past the latest seq got %v, want pres upd with a new epoch (was %v)", p, before)
		}
	}
	top, err := st.GetTopic(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	desc := f.barrier(a)["desc"].(map[string]any)
	if float64(top.Epoch) != desc["epoch"] || desc["epoch"] == before {
		t.Fatalf("stored epoch %d, desc epoch %v, old %v", top.Epoch, desc["epoch"], before)
	}
	// A higher report soon after, and a valid one, leave the epoch alone.
	f.note(b, "recv", 11)
	f.note(b, "recv", 2)
	if again := f.barrier(a)["desc"].(map[string]any); again["epoch"] != desc["epoch"] || again["recv"] != 2.0 {
		t.Fatalf("desc after more reports %v, want epoch %v and recv 2", again, desc["epoch"])
	}
}

// get data since past the next seq says the client holds messages the
// topic never had.
func TestGetDataSinceBeyondLatestRenewsEpoch(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	a := f.attach("a", owner, "")
	f.pub(a, 2)
	get := func(since int) {
		f.dispatch(a, &proto.ClientMsg{Get: &proto.MsgClientGet{ID: "g", Topic: name,
			MsgGetQuery: proto.MsgGetQuery{What: "data", Data: &proto.MsgGetOpts{SinceID: since}}}})
	}
	get(3) // "anything new?": nothing wrong, the fixture's epoch 0 stays
	if p := f.barrier(a); p["desc"].(map[string]any)["epoch"] != nil {
		t.Fatalf("desc after get data since 3 of 2: %v, want the epoch unchanged", p)
	}
	get(5)
	if p := nextPres(t, a); p["what"] != "upd" || p["epoch"] == nil || p["topic"] != name {
		t.Fatalf("after get data since 5 of 2 got %v, want pres upd epoch", p)
	}
}

// clock is a test clock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// epochFixture is a group with two messages and one attached session, on a
// hub whose clock the test moves.
func epochFixture(t *testing.T) (*fixture, *session, *clock) {
	t.Helper()
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	c := &clock{now: time.Now()}
	hub.SetClock(f.h, c.Now)
	a := f.attach("a", owner, "")
	f.pub(a, 2)
	return f, a, c
}

// epoch reads the topic's epoch from a desc, after every frame before it.
func (f *fixture) epoch(s *session) any { return f.barrier(s)["desc"].(map[string]any)["epoch"] }

// A report of seq 2^63−1 is made up (no client can hold such a position):
// it must neither change the epoch nor become the mark that keeps the next,
// real report from changing it (issue 10, finding 16).
func TestImplausibleReportDoesNotPinEpoch(t *testing.T) {
	f, a, _ := epochFixture(t)
	before := f.epoch(a)
	f.note(a, "recv", math.MaxInt64)
	if got := f.epoch(a); got != before {
		t.Fatalf("a report of 2^63-1 changed the epoch from %v to %v", before, got)
	}
	f.note(a, "recv", 10)
	if p := nextPres(t, a); p["what"] != "upd" || p["epoch"] == nil {
		t.Fatalf("after a real report beyond the latest seq got %v, want pres upd epoch", p)
	}
}

// A report swallowed by the minimum interval leaves no mark: once the
// interval has passed, a smaller report still renews the epoch.
func TestSuppressedReportDoesNotPinEpoch(t *testing.T) {
	f, a, c := epochFixture(t)
	f.note(a, "recv", 10)
	renewed := nextPres(t, a)["epoch"]
	f.note(a, "recv", 1<<53-1) // within the interval: no change, and no mark
	if got := f.epoch(a); got != renewed {
		t.Fatalf("a report within the interval changed the epoch from %v to %v", renewed, got)
	}
	c.advance(2 * time.Minute)
	f.note(a, "recv", 20)
	if p := nextPres(t, a); p["what"] != "upd" || p["epoch"] == renewed {
		t.Fatalf("after the interval a report of 20 got %v, want pres upd with an epoch other than %v", p, renewed)
	}
}

// The mark a renewing report leaves keeps smaller reports from renewing the
// epoch again, but only for a while: the largest plausible report cannot
// stop real ones from renewing it for good.
func TestEpochMarkExpires(t *testing.T) {
	f, a, c := epochFixture(t)
	f.note(a, "recv", 1<<53-1)
	pinned := nextPres(t, a)["epoch"]
	c.advance(2 * time.Minute)
	f.note(a, "recv", 20)
	if got := f.epoch(a); got != pinned {
		t.Fatalf("a report below the mark changed the epoch from %v to %v", pinned, got)
	}
	c.advance(10 * time.Minute)
	f.note(a, "recv", 20)
	if p := nextPres(t, a); p["what"] != "upd" || p["epoch"] == pinned {
		t.Fatalf("after the mark expired a report of 20 got %v, want pres upd with an epoch other than %v", p, pinned)
	}
}

package hub_test

import (
	"testing"

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

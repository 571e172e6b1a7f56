package hub_test

import (
	"encoding/json"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// fixture drives one hub over a store with the session helpers below.
type fixture struct {
	t    *testing.T
	st   store.Store
	h    *hub.Hub
	name string
}

func newFixture(t *testing.T, st store.Store, name string, limits hub.Limits) *fixture {
	h := hub.New(st, limits, quiet)
	t.Cleanup(h.Shutdown)
	return &fixture{t: t, st: st, h: h, name: name}
}

func (f *fixture) dispatch(s *session, m *proto.ClientMsg) {
	f.t.Helper()
	if !f.h.Dispatch(s.request(m, f.name)) {
		f.t.Fatal("dispatch refused")
	}
}

// attach subscribes a new session of uid with device dev and returns it.
func (f *fixture) attach(id string, uid proto.Uid, dev string) *session {
	f.t.Helper()
	s := newSession(id, uid)
	s.dev = dev
	f.dispatch(s, &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: f.name}})
	if c := s.ctrl(f.t, "sub"); c["code"] != 200.0 {
		f.t.Fatalf("sub: %v", c)
	}
	return s
}

func (f *fixture) pub(s *session, n int) {
	f.t.Helper()
	for i := 1; i <= n; i++ {
		id := "p" + strconv.Itoa(i)
		f.dispatch(s, &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: f.name, NoEcho: true,
			Content: json.RawMessage(strconv.Itoa(i))}})
		s.ctrl(f.t, id)
	}
}

func (f *fixture) note(s *session, what string, seq int) {
	f.t.Helper()
	f.dispatch(s, &proto.ClientMsg{Note: &proto.MsgClientNote{Topic: f.name, What: what, SeqID: seq}})
}

// barrier sends a get desc and returns its meta: every frame the topic
// queued for s before it has been read by then.
func (f *fixture) barrier(s *session) map[string]any {
	f.t.Helper()
	f.dispatch(s, &proto.ClientMsg{Get: &proto.MsgClientGet{ID: "desc", Topic: f.name,
		MsgGetQuery: proto.MsgGetQuery{What: "desc"}}})
	for {
		m := s.next(f.t)
		if meta, ok := m["meta"].(map[string]any); ok && meta["id"] == "desc" {
			return meta
		}
		if _, ok := m["data"]; ok {
			f.t.Fatalf("unexpected %v before the desc", m)
		}
	}
}

// dataSeqs reads n {data} frames and returns their seqs.
func dataSeqs(t *testing.T, s *session, n int) []int {
	t.Helper()
	var seqs []int
	for len(seqs) < n {
		if d, ok := s.next(t)["data"].(map[string]any); ok {
			seqs = append(seqs, int(d["seq"].(float64)))
		}
	}
	return seqs
}

func wantSeqs(t *testing.T, what string, got []int, from, to int) {
	t.Helper()
	if len(got) != to-from+1 {
		t.Fatalf("%s: got seqs %v, want %d..%d", what, got, from, to)
	}
	for i, seq := range got {
		if seq != from+i {
			t.Fatalf("%s: got seqs %v, want %d..%d", what, got, from, to)
		}
	}
}

// Two devices of one user: A acknowledges everything, B only the start.
// B attaching again is pushed what B missed, not from A's position, also
// after a restart; a session without a device id resumes from the user's
// mark as before.
func TestDeviceResumesFromItsOwnMark(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	sender := f.attach("p", owner, "")
	a, b := f.attach("a", owner, "dev-a"), f.attach("b", owner, "dev-b")
	f.pub(sender, 5)
	wantSeqs(t, "a", dataSeqs(t, a, 5), 1, 5)
	wantSeqs(t, "b", dataSeqs(t, b, 5), 1, 5)
	f.note(a, "recv", 5)
	f.note(b, "recv", 2)
	f.barrier(b)
	f.h.Leave(name, b)

	b = f.attach("b2", owner, "dev-b")
	wantSeqs(t, "b resumed", dataSeqs(t, b, 3), 3, 5)
	plain := f.attach("plain", owner, "")
	f.barrier(plain) // nothing pushed: the user's mark is at 5

	f.h.Shutdown() // writes the marks still in memory
	f = newFixture(t, st, name, hub.DefaultLimits)
	b = f.attach("b3", owner, "dev-b")
	wantSeqs(t, "b after restart", dataSeqs(t, b, 3), 3, 5)
	a = f.attach("a3", owner, "dev-a")
	f.barrier(a) // nothing pushed: dev-a acknowledged everything
}

// A device's mark moves when it acknowledges, even below its user's mark,
// and by its own sends only when it had everything before them.
func TestDeviceMarkRaisedBelowUserMark(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	a, b := f.attach("a", owner, "dev-a"), f.attach("b", owner, "dev-b")
	f.pub(a, 3) // the user's mark is 3; dev-a has no mark yet
	dataSeqs(t, b, 3)
	f.note(b, "read", 1) // stale for the user, new for dev-b
	f.note(a, "recv", 3)
	f.pub(a, 1) // seq 4: dev-a had 3, so its mark follows its own send
	f.barrier(a)
	f.h.Shutdown()

	marks, err := st.DeviceMarks(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range marks {
		got[m.Device] = m.SeqID
	}
	if len(got) != 2 || got["dev-a"] != 4 || got["dev-b"] != 1 {
		t.Fatalf("stored device marks %v, want dev-a 4, dev-b 1", got)
	}
}

// nextMilli returns once the clock has moved on by more than a millisecond,
// so times rounded to the millisecond (as the store keeps them) differ.
func nextMilli() {
	start := time.Now().UnixMilli()
	for time.Now().UnixMilli() <= start+1 {
		runtime.Gosched()
	}
}

// Only the most recently seen devices of a user keep marks.
func TestDeviceMarksBounded(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	limits := hub.DefaultLimits
	limits.MaxDevices = 2
	f := newFixture(t, st, name, limits)
	sender := f.attach("p", owner, "")
	f.pub(sender, 3)
	for i, dev := range []string{"d1", "d2", "d3"} {
		s := f.attach(dev, owner, dev)
		dataSeqs(t, s, 0)
		f.note(s, "recv", i+1)
		f.barrier(s)
		nextMilli() // devices are told apart by when they were seen, to the millisecond
	}
	f.h.Shutdown()
	marks, err := st.DeviceMarks(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 2 || marks[0].Device != "d2" || marks[1].Device != "d3" {
		t.Fatalf("stored device marks %+v, want d2 and d3", marks)
	}
}

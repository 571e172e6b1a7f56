package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
	"github.com/parley-im/parley/internal/trace"
)

const timeout = 5 * time.Second

// session is a Subscriber that hands every frame to the test.
type session struct {
	id       string
	uid      proto.Uid
	dev      string
	frames   chan hub.Frame
	gone     atomic.Bool
	detached chan string
}

func newSession(id string, uid proto.Uid) *session {
	return &session{id: id, uid: uid, frames: make(chan hub.Frame, 1024), detached: make(chan string, 16)}
}

func (s *session) SessionID() string     { return s.id }
func (s *session) UserID() proto.Uid     { return s.uid }
func (s *session) AuthLevel() int        { return store.AuthAuth }
func (s *session) DeviceID() string      { return s.dev }
func (s *session) SubDone(string, bool)  {}
func (s *session) Gone() bool            { return s.gone.Load() }
func (s *session) Detached(v string)     { s.detached <- v }
func (s *session) Send(f hub.Frame) bool { s.frames <- f; return true }
func (s *session) request(m *proto.ClientMsg, topic string) *hub.Request {
	return &hub.Request{Sess: s, Msg: m, Topic: topic, View: topic}
}

// next returns the next frame sent to the session, decoded.
func (s *session) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case f := <-s.frames:
		var m map[string]any
		if err := json.Unmarshal(f.Bytes, &m); err != nil {
			t.Fatalf("frame %q: %v", f.Bytes, err)
		}
		return m
	case <-time.After(timeout):
		t.Fatal("no frame within the deadline")
		return nil
	}
}

// ctrl reads frames until the ctrl with id and returns it.
func (s *session) ctrl(t *testing.T, id string) map[string]any {
	t.Helper()
	for {
		m := s.next(t)
		if c, ok := m["ctrl"].(map[string]any); ok && c["id"] == id {
			return c
		}
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "hub.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newGroup stores a group owned by uid and returns its name.
func newGroup(t *testing.T, st store.Store, uid proto.Uid) string {
	t.Helper()
	name := proto.GroupName(uint64(uid) + 1)
	now := time.Now()
	err := st.CreateTopic(context.Background(),
		&store.Topic{Name: name, CreatedAt: now, UpdatedAt: now, Owner: uid,
			Access: store.DefaultAccess{Auth: proto.ModeCPublic}},
		[]store.Subscription{{Topic: name, User: uid, CreatedAt: now, UpdatedAt: now,
			ModeWant: proto.ModeCFull, ModeGiven: proto.ModeCFull}})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// After Shutdown, Dispatch must refuse rather than spin trying to start a
// topic that can no longer start.
func TestDispatchAfterShutdown(t *testing.T) {
	h := hub.New(openStore(t), hub.DefaultLimits, quiet)
	h.Shutdown()
	s := newSession("s1", 7)
	done := make(chan bool, 1)
	go func() {
		done <- h.Dispatch(s.request(&proto.ClientMsg{Get: &proto.MsgClientGet{ID: "1",
			MsgGetQuery: proto.MsgGetQuery{What: "desc"}}}, proto.GroupName(99)))
	}()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("Dispatch accepted a request after Shutdown")
		}
	case <-time.After(timeout):
		t.Fatal("Dispatch after Shutdown did not return")
	}
}

// gatedStore holds every Append until the test lets it through, so a test
// can keep a topic's publisher busy.
type gatedStore struct {
	store.Store
	entered chan int      // the size of each Append as it starts
	gate    chan struct{} // one receive per Append; closed to open for good
}

func (g *gatedStore) Append(ctx context.Context, msgs []*store.Message) ([]store.AppendResult, error) {
	g.entered <- len(msgs)
	<-g.gate
	return g.Store.Append(ctx, msgs)
}

// gatedHub starts a hub over a gated store holding a group owned by owner.
func gatedHub(t *testing.T, owner proto.Uid) (*gatedStore, *hub.Hub, string) {
	t.Helper()
	base := openStore(t)
	name := newGroup(t, base, owner)
	st := &gatedStore{Store: base, entered: make(chan int, 16), gate: make(chan struct{})}
	h := hub.New(st, hub.DefaultLimits, quiet)
	t.Cleanup(h.Shutdown)
	t.Cleanup(func() { close(st.gate) })
	return st, h, name
}

// A get data waits only for the messages published before it, not until the
// publisher is idle: under a steady stream of pubs it would never be.
func TestGetDataNotStarvedByPublishing(t *testing.T) {
	const owner proto.Uid = 42
	st, h, name := gatedHub(t, owner)

	s := newSession("s1", owner)
	dispatch := func(m *proto.ClientMsg) {
		t.Helper()
		if !h.Dispatch(s.request(m, name)) {
			t.Fatal("dispatch refused")
		}
	}
	pub := func(id string) *proto.ClientMsg {
		return &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: name, Content: json.RawMessage(`"` + id + `"`)}}
	}
	dispatch(&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}})
	if c := s.ctrl(t, "sub"); c["code"] != 200.0 {
		t.Fatalf("sub: %v", c)
	}

	dispatch(pub("p1")) // in flight, held at the gate
	if n := <-st.entered; n != 1 {
		t.Fatalf("first append has %d messages", n)
	}
	dispatch(&proto.ClientMsg{Get: &proto.MsgClientGet{ID: "get", Topic: name,
		MsgGetQuery: proto.MsgGetQuery{What: "data"}}})
	dispatch(pub("p2")) // queued behind p1, after the get

	st.gate <- struct{}{} // p1 is stored; p2 goes in flight and is held
	if c := s.ctrl(t, "p1"); c["code"] != 202.0 {
		t.Fatalf("p1: %v", c)
	}
	// The get sees p1 and answers while p2 is still being written.
	c := s.ctrl(t, "get")
	params, _ := c["params"].(map[string]any)
	if c["code"] != 208.0 || params["count"] != 1.0 {
		t.Fatalf("get: %v, want 208 with the one stored message", c)
	}
}

// A session that ended is dropped by the topic even when its detach never
// arrived (Leave drops it when the topic's queue is full).
func TestEndedSessionDroppedWithoutDetach(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	limits := hub.DefaultLimits
	limits.IdleTopicUnload = 40 * time.Millisecond
	h := hub.New(st, limits, quiet)
	t.Cleanup(h.Shutdown)

	s := newSession("s1", owner)
	h.Dispatch(s.request(&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}}, name))
	if c := s.ctrl(t, "sub"); c["code"] != 200.0 {
		t.Fatalf("sub: %v", c)
	}
	s.gone.Store(true) // ended, and no Leave sent
	select {
	case v := <-s.detached:
		if v != name {
			t.Fatalf("detached from %q, want %q", v, name)
		}
	case <-time.After(timeout):
		t.Fatal("the topic kept a session that had ended")
	}
}

// The hub records each published message's life, so one query answers
// "where is message X": accepted, stored with its seq; a retry is a duplicate.
func TestPublishIsTraced(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	h := hub.New(st, hub.DefaultLimits, quiet)
	rec := trace.NewRecorder(100, nil)
	h.SetTrace(rec)
	t.Cleanup(h.Shutdown)

	s := newSession("s1", owner)
	h.Dispatch(s.request(&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}}, name))
	s.ctrl(t, "sub")
	for _, id := range []string{"p1", "p2"} {
		h.Dispatch(s.request(&proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: name,
			Head: map[string]any{"msgid": "m-1"}, Content: json.RawMessage(`"hi"`)}}, name))
		s.ctrl(t, id)
	}
	var stages []trace.Stage
	for _, e := range rec.ByMsgID(name, "m-1") {
		stages = append(stages, e.Stage)
		if e.Session != "s1" {
			t.Errorf("event %+v has no session", e)
		}
	}
	want := []trace.Stage{trace.Accepted, trace.Stored, trace.Accepted, trace.Duplicate}
	if len(stages) != len(want) {
		t.Fatalf("stages %v, want %v", stages, want)
	}
	for i := range want {
		if stages[i] != want[i] {
			t.Fatalf("stages %v, want %v", stages, want)
		}
	}
	if ev := rec.BySeq(name, 1); len(ev) != 4 {
		t.Fatalf("by seq 1: %d events, want the same 4", len(ev))
	}
}

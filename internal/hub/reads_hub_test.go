package hub

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// heldStore counts history reads and holds each until the test lets it go.
type heldStore struct {
	store.Store
	held    atomic.Bool
	reads   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (s *heldStore) GetMessages(ctx context.Context, topic string, u proto.Uid, q store.MessageQuery) ([]store.Message, error) {
	if s.held.Load() {
		s.reads.Add(1)
		s.entered <- struct{}{}
		<-s.release
	}
	return s.Store.GetMessages(ctx, topic, u, q)
}

// ctxSession is a Subscriber with a context, as sessions have.
type ctxSession struct {
	uid    proto.Uid
	ctx    context.Context
	frames chan Frame
}

func (s *ctxSession) SessionID() string            { return "ctx" }
func (s *ctxSession) UserID() proto.Uid            { return s.uid }
func (s *ctxSession) AuthLevel() int               { return store.AuthAuth }
func (s *ctxSession) DeviceID() string             { return "" }
func (s *ctxSession) SubDone(string, bool)         {}
func (s *ctxSession) Gone() bool                   { return s.ctx.Err() != nil }
func (s *ctxSession) Detached(string)              {}
func (s *ctxSession) Send(f Frame) bool            { s.frames <- f; return true }
func (s *ctxSession) Context() context.Context     { return s.ctx }
func (s *ctxSession) get(h *Hub, id, topic string) { h.Dispatch(s.request(id, topic)) }
func (s *ctxSession) request(id, topic string) *Request {
	return &Request{Sess: s, Topic: topic, View: topic, Msg: &proto.ClientMsg{Get: &proto.MsgClientGet{ID: id,
		Topic: topic, MsgGetQuery: proto.MsgGetQuery{What: "data"}}}}
}

// The reads a session queued do not run once it has ended; they used to
// run on, all at once, for nobody.
func TestReadsOfEndedSessionStop(t *testing.T) {
	base, err := sqlite.Open(filepath.Join(t.TempDir(), "reads.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	const owner proto.Uid = 42
	name := proto.GroupName(7)
	now := time.Now()
	if err := base.CreateTopic(t.Context(), &store.Topic{Name: name, CreatedAt: now, UpdatedAt: now, Owner: owner},
		[]store.Subscription{{Topic: name, User: owner, CreatedAt: now, UpdatedAt: now,
			ModeWant: proto.ModeCFull, ModeGiven: proto.ModeCFull}}); err != nil {
		t.Fatal(err)
	}
	st := &heldStore{Store: base, entered: make(chan struct{}, 16), release: make(chan struct{})}
	limits := DefaultLimits
	limits.ReadsPerSession, limits.MaxReads = 1, 1
	h := New(st, limits, quietLog())
	defer h.Shutdown()
	ctx, end := context.WithCancel(t.Context())
	s := &ctxSession{uid: owner, ctx: ctx, frames: make(chan Frame, 64)}
	h.Dispatch(&Request{Sess: s, Topic: name, View: name, Msg: &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}}})
	<-s.frames // the sub's ctrl: attached, the topic loaded
	st.held.Store(true)
	for i := range 5 {
		s.get(h, string(rune('a'+i)), name)
	}
	select {
	case <-st.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("no history read started")
	}
	end()
	close(st.release)
	deadline := time.Now().Add(5 * time.Second)
	for !h.reads.idle() {
		if time.Now().After(deadline) {
			t.Fatal("the reads did not finish")
		}
		time.Sleep(time.Millisecond) // polling a condition, not waiting for an event
	}
	if n := st.reads.Load(); n != 1 {
		t.Fatalf("%d history reads ran for a session that ended during the first, want 1", n)
	}
}

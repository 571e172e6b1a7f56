package hub_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// Gets and subs naming groups and users that do not exist are answered 404
// without a topic actor: each used to leave one running (about 110 KB) until
// the next idle check.
func TestUnknownTopicsStartNoActor(t *testing.T) {
	st := openStore(t)
	h := hub.New(st, hub.DefaultLimits, quiet)
	defer h.Shutdown()
	s := newSession("s1", 7)
	const n = 1000
	before := heapInUse()
	for i := range n {
		grp := proto.GroupName(uint64(1000 + i))
		usr := proto.P2PName(s.uid, proto.Uid(5000+i))
		reqs := []struct {
			msg   *proto.ClientMsg
			topic string
			text  string
		}{
			{&proto.ClientMsg{Get: &proto.MsgClientGet{ID: "g", MsgGetQuery: proto.MsgGetQuery{What: "desc"}}}, grp, "topic not found"},
			{&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "s", Topic: grp}}, grp, "topic not found"},
			{&proto.ClientMsg{Get: &proto.MsgClientGet{ID: "p", MsgGetQuery: proto.MsgGetQuery{What: "desc"}}}, usr, "user not found"},
			{&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "q"}}, usr, "user not found"},
		}
		for _, rq := range reqs {
			if !h.Dispatch(s.request(rq.msg, rq.topic)) {
				t.Fatal("dispatch refused")
			}
			c := s.ctrl(t, rq.msg.ID())
			if c["code"] != float64(404) || c["text"] != rq.text {
				t.Fatalf("%s on an unknown topic: %v, want 404 %s", rq.msg.ID(), c, rq.text)
			}
		}
	}
	if got := h.TopicCount(); got != 0 {
		t.Fatalf("%d topic actors running after %d requests on unknown topics, want 0", got, 4*n)
	}
	if grown := int64(heapInUse()) - int64(before); grown > 4<<20 {
		t.Fatalf("memory grew by %d bytes over %d requests on unknown topics", grown, 4*n)
	}
}

// A get on a one-to-one topic not created yet still shows the peer's card,
// and a get asking for nothing known is 400, as from a running topic.
func TestPeekBeforeP2PExists(t *testing.T) {
	st := openStore(t)
	h := hub.New(st, hub.DefaultLimits, quiet)
	defer h.Shutdown()
	alice, bob := newUser(t, st, 11), newUser(t, st, 12)
	s := newSession("s1", alice)
	topic := proto.P2PName(alice, bob)
	get := func(id, what string) {
		h.Dispatch(&hub.Request{Sess: s, Topic: topic, View: bob.UserID(),
			Msg: &proto.ClientMsg{Get: &proto.MsgClientGet{ID: id, MsgGetQuery: proto.MsgGetQuery{What: what}}}})
	}
	get("1", "desc")
	m := s.next(t)
	meta, _ := m["meta"].(map[string]any)
	if meta == nil || meta["desc"] == nil {
		t.Fatalf("get desc of a peer with no topic yet: %v, want the peer's card", m)
	}
	get("2", "nothing")
	if c := s.ctrl(t, "2"); c["code"] != float64(400) {
		t.Fatalf("get of nothing known: %v, want 400", c)
	}
	if got := h.TopicCount(); got != 0 {
		t.Fatalf("%d actors running, want 0", got)
	}
}

// newUser stores a user with a public card and returns its id.
func newUser(t *testing.T, st store.Store, uid proto.Uid) proto.Uid {
	t.Helper()
	now := time.Now()
	u := &store.User{ID: uid, CreatedAt: now, UpdatedAt: now, Public: json.RawMessage(`{"fn":"x"}`),
		Access: store.DefaultAccess{Auth: proto.ModeCP2P}}
	if err := st.CreateUser(context.Background(), u, nil); err != nil {
		t.Fatal(err)
	}
	return uid
}

// A get from outside an existing group loads its description and members,
// not its latest messages: peeking at big groups must not hold their
// history in memory until the topics unload.
func TestPeekHoldsNoMessages(t *testing.T) {
	st := openStore(t)
	const owner proto.Uid = 42
	name := newGroup(t, st, owner)
	big := json.RawMessage(`"` + strings.Repeat("x", 32<<10) + `"`)
	msgs := make([]*store.Message, 64)
	for i := range msgs {
		msgs[i] = &store.Message{Topic: name, From: owner, CreatedAt: time.Now(), Content: big}
	}
	if _, err := st.Append(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	msgs = nil
	h := hub.New(st, hub.DefaultLimits, quiet)
	defer h.Shutdown()
	s := newSession("outsider", 7)
	before := heapInUse()
	h.Dispatch(s.request(&proto.ClientMsg{Get: &proto.MsgClientGet{ID: "1", MsgGetQuery: proto.MsgGetQuery{What: "desc"}}}, name))
	s.next(t)
	if h.TopicCount() != 1 {
		t.Fatalf("%d topics running, want the group", h.TopicCount())
	}
	if grown := int64(heapInUse()) - int64(before); grown > 256<<10 {
		t.Fatalf("a peek at a group with 2 MB of recent messages holds %d bytes", grown)
	}
}

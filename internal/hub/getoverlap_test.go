package hub_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// readGatedStore holds each GetMessages, once armed, until the test lets
// it through.
type readGatedStore struct {
	store.Store
	armed   atomic.Bool
	reading chan struct{} // an armed GetMessages has started
	gate    chan struct{}
}

func (g *readGatedStore) GetMessages(ctx context.Context, topic string, user proto.Uid, q store.MessageQuery) ([]store.Message, error) {
	if g.armed.Load() {
		g.reading <- struct{}{}
		<-g.gate
	}
	return g.Store.GetMessages(ctx, topic, user, q)
}

// A get data whose read runs late, after messages were stored and pushed
// live to the attached session, does not send those messages again: each
// seq reaches the session once.
func TestLateGetDataDoesNotRepeatLiveMessages(t *testing.T) {
	const owner proto.Uid = 42
	base := openStore(t)
	name := newGroup(t, base, owner)
	st := &readGatedStore{Store: base, reading: make(chan struct{}, 1), gate: make(chan struct{})}
	h := hub.New(st, hub.DefaultLimits, quiet)
	t.Cleanup(h.Shutdown)
	t.Cleanup(func() {
		select {
		case <-st.gate:
		default:
			close(st.gate)
		}
	})
	s := newSession("s1", owner)
	dispatch := func(m *proto.ClientMsg) {
		t.Helper()
		if !h.Dispatch(s.request(m, name)) {
			t.Fatal("dispatch refused")
		}
	}
	dispatch(&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}})
	if c := s.ctrl(t, "sub"); c["code"] != 200.0 {
		t.Fatalf("sub: %v", c)
	}
	st.armed.Store(true)
	dispatch(&proto.ClientMsg{Get: &proto.MsgClientGet{ID: "get", Topic: name,
		MsgGetQuery: proto.MsgGetQuery{What: "data"}}})
	<-st.reading // the read has its snapshot and waits at the gate
	dispatch(&proto.ClientMsg{Pub: &proto.MsgClientPub{ID: "p1", Topic: name, Content: json.RawMessage(`"p1"`)}})
	seqs := map[float64]int{}
	ctrls := map[any]map[string]any{}
	read := func() {
		m := s.next(t)
		if d, ok := m["data"].(map[string]any); ok {
			seqs[d["seq"].(float64)]++
		}
		if c, ok := m["ctrl"].(map[string]any); ok {
			ctrls[c["id"]] = c
		}
	}
	for ctrls["p1"] == nil || seqs[1] == 0 {
		read() // p1 stored, acknowledged and pushed live
	}
	close(st.gate)
	for ctrls["get"] == nil {
		read() // the page, if any, comes before the get's ctrl
	}
	for len(s.frames) > 0 {
		read()
	}
	if c := ctrls["get"]; c["code"] != 204.0 {
		t.Errorf("get: %v, want 204: nothing was stored when it was asked", c)
	}
	if seqs[1] != 1 || len(seqs) != 1 {
		t.Fatalf("data frames by seq %v, want seq 1 once", seqs)
	}
}

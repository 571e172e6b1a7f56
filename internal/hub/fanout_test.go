package hub_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// batchSession is a session that can take a batch of frames (hub.BatchSender)
// and remembers the size of each batch.
type batchSession struct {
	*session
	batches chan int
}

func (s *batchSession) SendBatch(fs []hub.Frame) bool {
	s.batches <- len(fs)
	for _, f := range fs {
		s.frames <- f
	}
	return true
}

// next returns the size of the next batch sent.
func (s *batchSession) next(t *testing.T) int {
	t.Helper()
	select {
	case n := <-s.batches:
		return n
	case <-time.After(timeout):
		t.Fatal("no batch within the deadline")
		return 0
	}
}

// entered returns the size of the next Append to reach the gate.
func entered(t *testing.T, st *gatedStore) int {
	t.Helper()
	select {
	case n := <-st.entered:
		return n
	case <-time.After(timeout):
		t.Fatal("no append within the deadline")
		return 0
	}
}

// describe names a frame: "p1" for a ctrl with id p1, "d1" for data seq 1.
func describe(m map[string]any) string {
	if c, ok := m["ctrl"].(map[string]any); ok {
		return fmt.Sprint(c["id"])
	}
	if d, ok := m["data"].(map[string]any); ok {
		return fmt.Sprintf("d%v", d["seq"])
	}
	return fmt.Sprint(m)
}

// Messages committed together are fanned out together: a session that takes
// batches gets what one committed batch produced for it in one call; a
// session that does not gets the same frames one by one. Each gets exactly
// what it got before batching, in the same order: the sender each ctrl 202
// before its echo, and no echo of a noecho pub.
func TestFanOutByCommittedBatch(t *testing.T) {
	const owner proto.Uid = 42
	st, h, name := gatedHub(t, owner)

	plain := newSession("plain", owner)
	snd := &batchSession{session: newSession("snd", owner), batches: make(chan int, 16)}
	rcv := &batchSession{session: newSession("rcv", owner), batches: make(chan int, 16)}
	for _, s := range []hub.Subscriber{snd, plain, rcv} {
		h.Dispatch(&hub.Request{Sess: s, Topic: name, View: name,
			Msg: &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}}})
	}
	for _, s := range []*session{snd.session, plain, rcv.session} {
		if c := s.ctrl(t, "sub"); c["code"] != 200.0 {
			t.Fatalf("sub %s: %v", s.id, c)
		}
	}
	pub := func(id string, noEcho bool) {
		h.Dispatch(&hub.Request{Sess: snd, Topic: name, View: name, Msg: &proto.ClientMsg{Pub: &proto.MsgClientPub{
			ID: id, Topic: name, NoEcho: noEcho, Content: json.RawMessage(`"` + id + `"`)}}})
	}
	pub("p1", false) // in flight, held at the gate
	if n := entered(t, st); n != 1 {
		t.Fatalf("first append has %d messages", n)
	}
	pub("p2", false)
	pub("p3", true) // queued behind p1: the next append holds both
	st.gate <- struct{}{}
	if n := entered(t, st); n != 2 {
		t.Fatalf("second append has %d messages, want 2", n)
	}
	st.gate <- struct{}{}

	if n := rcv.next(t); n != 2 {
		t.Fatalf("receiver's batch has %d frames, want 2 (data 2 and 3)", n)
	}
	for _, s := range []*session{rcv.session, plain} {
		wantSeqs(t, s.id, dataSeqs(t, s, 3), 1, 3)
	}
	if n := snd.next(t); n != 2 {
		t.Fatalf("sender's first batch has %d frames, want 2 (ctrl p1, data 1)", n)
	}
	if n := snd.next(t); n != 3 {
		t.Fatalf("sender's second batch has %d frames, want 3 (ctrl p2, data 2, ctrl p3)", n)
	}
	pub("p4", false)
	st.gate <- struct{}{}
	var got []string
	for range 7 {
		got = append(got, describe(snd.session.next(t)))
	}
	if want := "[p1 d1 p2 d2 p3 p4 d4]"; fmt.Sprint(got) != want {
		t.Fatalf("sender got %v, want %s", got, want)
	}
}

// A history page reaches a session that takes batches in one call, so its
// writer sends the page whole (one system call; on a protobuf connection
// one compressed frame) instead of whatever pieces it finds queued.
func TestHistoryPageIsOneBatch(t *testing.T) {
	const owner proto.Uid = 42
	st := openStore(t)
	name := newGroup(t, st, owner)
	h := hub.New(st, hub.DefaultLimits, quiet)
	t.Cleanup(h.Shutdown)
	writer := newSession("writer", owner)
	h.Dispatch(writer.request(&proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: name}}, name))
	if c := writer.ctrl(t, "sub"); c["code"] != 200.0 {
		t.Fatalf("writer's sub: %v", c)
	}
	const n = 5
	for i := 1; i <= n; i++ {
		id := fmt.Sprint("p", i)
		h.Dispatch(writer.request(&proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: name,
			Content: json.RawMessage(`"` + id + `"`)}}, name))
		if c := writer.ctrl(t, id); c["code"] != 202.0 {
			t.Fatalf("pub %s: %v", id, c)
		}
	}
	// The page is asked for with the sub, as clients do: nothing is caught
	// up besides it.
	reader := &batchSession{session: newSession("reader", owner), batches: make(chan int, 64)}
	h.Dispatch(&hub.Request{Sess: reader, Topic: name, View: name, Msg: &proto.ClientMsg{Sub: &proto.MsgClientSub{
		ID: "sub", Topic: name, Get: &proto.MsgGetQuery{What: "data", Data: &proto.MsgGetOpts{}}}}})
	if got := reader.next(t); got != n {
		t.Fatalf("the page of %d messages came in a batch of %d", n, got)
	}
}

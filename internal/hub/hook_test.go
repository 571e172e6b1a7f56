package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// ackWatch is a session that notes when the ctrl of pub id reaches it.
type ackWatch struct {
	*session
	id    string
	acked atomic.Bool
}

func (s *ackWatch) Send(f hub.Frame) bool {
	if bytes.Contains(f.Bytes, []byte(`"ctrl"`)) && bytes.Contains(f.Bytes, []byte(`"id":"`+s.id+`"`)) {
		s.acked.Store(true)
	}
	return s.session.Send(f)
}

// The publish hook (the customer-service router's note of a message) runs
// before the sender is told the message is stored — the replies of a
// committed batch leave the actor after it, with its fan-out — so whatever
// the sender does next, such as closing the conversation, comes after the
// note. The cluster's router relies on it (docs/scaling.md).
func TestPublishHookBeforeTheSendersAck(t *testing.T) {
	st := openStore(t)
	h := hub.New(st, hub.DefaultLimits, quiet)
	t.Cleanup(h.Shutdown)
	const customer proto.Uid = 31
	topic, err := h.OpenServiceTopic(context.Background(), customer, json.RawMessage(`{"fn":"Customer service"}`))
	if err != nil {
		t.Fatal(err)
	}
	s := &ackWatch{session: newSession("s1", customer), id: "p1"}
	hooked := make(chan bool, 1)
	h.SetPublishHook(func(_ string, from proto.Uid, seq int, _ map[string]any) {
		if from == customer {
			hooked <- s.acked.Load()
		}
	})
	if !h.Dispatch(&hub.Request{Sess: s, Msg: &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "sub", Topic: topic}}, Topic: topic, View: topic}) {
		t.Fatal("dispatch refused")
	}
	if c := s.ctrl(t, "sub"); c["code"] != 200.0 {
		t.Fatalf("sub: %v", c)
	}
	pub := &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: "p1", Topic: topic, Content: json.RawMessage(`"hello"`)}}
	if !h.Dispatch(&hub.Request{Sess: s, Msg: pub, Topic: topic, View: topic}) {
		t.Fatal("dispatch refused")
	}
	if c := s.ctrl(t, "p1"); c["code"] != 202.0 {
		t.Fatalf("pub: %v", c)
	}
	if ackedFirst := <-hooked; ackedFirst {
		t.Error("the sender had its ctrl 202 before the publish hook ran")
	}
}

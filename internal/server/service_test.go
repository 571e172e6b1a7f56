package server_test

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

type msgT = servertest.Msg

// act sends an {action} and returns its ctrl.
func act(c *servertest.Client, topic, what string, params msgT) msgT {
	id := c.ID()
	a := msgT{"id": id, "what": what}
	if topic != "" {
		a["topic"] = topic
	}
	if params != nil {
		a["params"] = params
	}
	return c.Request(id, msgT{"action": a})
}

// staffLogin logs a staff member in on a fresh connection.
func staffLogin(t *testing.T, s *servertest.Server, login string) *servertest.Client {
	t.Helper()
	c := s.Dial(t)
	c.Hi()
	if ctrl := c.Login(login, "pass123"); ctrl.Code() != 200 {
		t.Fatalf("login %s: %v", login, ctrl)
	}
	if ctrl := c.Sub("me"); ctrl.Code() != 200 {
		t.Fatalf("sub me: %v", ctrl)
	}
	return c
}

// event waits for a {data} in topic whose head.event is ev.
func event(c *servertest.Client, topic, ev string) msgT {
	return c.Until("event "+ev, func(m msgT) bool {
		return m.Get("data.topic") == topic && m.Get("data.head.event") == ev
	})
}

// invited waits for the {pres acs} on me that names topic.
func invited(c *servertest.Client, topic string) {
	c.Until("pres acs for "+topic, func(m msgT) bool {
		return m.Get("pres.topic") == "me" && m.Get("pres.what") == "acs" && m.Get("pres.src") == topic
	})
}

func setupDesk(t *testing.T, s *servertest.Server) {
	t.Helper()
	for _, b := range []string{
		`{"name":"sales"}`,
	} {
		if code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/teams", b); code != 201 {
			t.Fatalf("team: %d %v", code, body)
		}
	}
	for _, b := range []string{
		`{"login":"ann","password":"pass123","role":"agent","teams":["sales"],"capacity":1}`,
		`{"login":"bob","password":"pass123","role":"agent","teams":["sales"],"capacity":1}`,
		`{"login":"sue","password":"pass123","role":"supervisor"}`,
	} {
		if code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/staff", b); code != 201 {
			t.Fatalf("staff: %d %v", code, body)
		}
	}
}

func TestServiceConversationFlow(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	cust := s.Connect(t, "carl")
	open := act(cust, "", "service.open", nil)
	topic, _ := open.Get("params.topic").(string)
	if open.Code() != 200 || topic == "" || open.Get("params.state") != "queued" || open.Int("params.position") != 1 {
		t.Fatalf("service.open: %v", open)
	}
	if again := act(cust, "", "service.open", nil); again.Get("params.topic") != topic {
		t.Fatalf("service.open again: %v, want the same topic", again)
	}
	if ctrl := cust.Sub(topic); ctrl.Code() != 200 {
		t.Fatalf("customer sub: %v", ctrl)
	}
	cust.Send(msgT{"get": msgT{"id": "h1", "topic": topic, "what": "data"}})
	event(cust, topic, "queued")

	ann := staffLogin(t, s, "ann")
	st := act(ann, "", "agent.status", msgT{"status": "online"})
	if st.Code() != 200 || st.Get("params.status") != "online" || st.Int("params.capacity") != 1 {
		t.Fatalf("agent.status: %v", st)
	}
	invited(ann, topic)
	assigned := event(cust, topic, "assigned")
	if assigned.Get("data.head.agent") != ann.User {
		t.Fatalf("assigned event %v, want agent %s", assigned, ann.User)
	}
	if ctrl := ann.Sub(topic); ctrl.Code() != 200 {
		t.Fatalf("agent sub: %v", ctrl)
	}
	if ctrl := ann.Pub(topic, "hello, how can I help?", "a1"); ctrl.Code() != 202 {
		t.Fatalf("agent pub: %v", ctrl)
	}
	cust.Until("agent's reply", func(m msgT) bool { return m.Get("data.content") == "hello, how can I help?" })

	// Transfer to bob, who is online with a free slot.
	bob := staffLogin(t, s, "bob")
	act(bob, "", "agent.status", msgT{"status": "online"})
	if ctrl := act(ann, topic, "conv.transfer", msgT{"to": bob.User}); ctrl.Code() != 200 {
		t.Fatalf("transfer: %v", ctrl)
	}
	invited(bob, topic)
	tr := event(cust, topic, "transferred")
	if tr.Get("data.head.from") != ann.User || tr.Get("data.head.to") != bob.User || tr.Get("data.head.by") != ann.User {
		t.Errorf("transferred event %v", tr)
	}
	// ann is no longer assigned: she may not close it.
	if ctrl := act(ann, topic, "conv.close", nil); ctrl.Code() != 403 {
		t.Errorf("close by the previous agent: %v, want 403", ctrl)
	}
	// The supervisor sees bob holding it.
	sue := staffLogin(t, s, "sue")
	ds := act(sue, "", "desk.state", nil)
	if ds.Code() != 200 {
		t.Fatalf("desk.state: %v", ds)
	}
	if ctrl := act(cust, "", "desk.state", nil); ctrl.Code() != 403 {
		t.Errorf("desk.state by a customer: %v, want 403", ctrl)
	}
	if ctrl := act(bob, topic, "conv.close", msgT{"reason": "solved"}); ctrl.Code() != 200 {
		t.Fatalf("close: %v", ctrl)
	}
	cl := event(cust, topic, "closed")
	if cl.Get("data.head.by") != bob.User || cl.Get("data.head.reason") != "solved" {
		t.Errorf("closed event %v", cl)
	}
	// The customer writes again: a new conversation, to bob first.
	if ctrl := cust.Pub(topic, "one more thing", "c2"); ctrl.Code() != 202 {
		t.Fatalf("customer pub after close: %v", ctrl)
	}
	event(cust, topic, "reopened")
	again := event(cust, topic, "assigned")
	if again.Get("data.head.agent") != bob.User {
		t.Errorf("reopened conversation assigned %v, want bob (last agent)", again)
	}
}

package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
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
	return eventAfter(c, topic, ev, 0)
}

// eventAfter is event with a seq above after.
func eventAfter(c *servertest.Client, topic, ev string, after int) msgT {
	return c.Until("event "+ev, func(m msgT) bool {
		return m.Get("data.topic") == topic && m.Get("data.head.event") == ev && m.Int("data.seq") > after
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
	// Status changes reach the supervisor too.
	act(bob, "", "agent.status", msgT{"status": "busy"})
	sue.Until("bob busy", func(m msgT) bool {
		return m.Get("info.what") == "desk" && m.Get("info.payload.event") == "status" &&
			m.Get("info.payload.agent") == bob.User && m.Get("info.payload.status") == "busy"
	})
	act(bob, "", "agent.status", msgT{"status": "online"})
	if ctrl := act(bob, topic, "conv.close", msgT{"reason": "solved"}); ctrl.Code() != 200 {
		t.Fatalf("close: %v", ctrl)
	}
	// The supervisor watches it live.
	sue.Until("the live close", func(m msgT) bool {
		return m.Get("info.topic") == "me" && m.Get("info.what") == "desk" &&
			m.Get("info.payload.event") == "closed" && m.Get("info.payload.topic") == topic
	})
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

// TestServiceRebuiltAfterRestart: queue and loads come back from the
// store; an agent who does not return within the grace period loses the
// conversation to the queue (requeue team), and a freed slot pulls it.
func TestServiceRebuiltAfterRestart(t *testing.T) {
	dir := t.TempDir()
	grace := func(c *server.Config) {
		c.AdminToken = deskToken
		c.OfflineGrace = server.Duration(300 * time.Millisecond)
	}
	s := servertest.StartIn(t, dir, grace)
	setupDesk(t, s)
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	c1, c2 := s.Connect(t, "cust1"), s.Connect(t, "cust2")
	t1 := act(c1, "", "service.open", nil).Get("params.topic").(string)
	invited(ann, t1)
	open2 := act(c2, "", "service.open", nil)
	t2 := open2.Get("params.topic").(string)
	if open2.Get("params.state") != "queued" || open2.Int("params.position") != 1 {
		t.Fatalf("second customer with ann full: %v", open2)
	}
	s.Stop()

	s = servertest.StartIn(t, dir, grace)
	sue := staffLogin(t, s, "sue")
	var st msgT
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st = act(sue, "", "desk.state", nil)
		if q, _ := st.Get("params.queue").([]any); len(q) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling the state, not waiting for an event
	}
	q, _ := st.Get("params.queue").([]any)
	if len(q) != 1 || q[0].(map[string]any)["topic"] != t2 {
		t.Fatalf("queue after restart %v, want %s only", st, t2)
	}
	// ann does not come back within the grace: t1 is requeued, ahead of t2.
	c1b := s.Dial(t)
	c1b.Hi()
	c1b.Login("cust1", "pass123")
	var pos msgT
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		pos = act(c1b, t1, "queue.position", nil)
		if pos.Int("params.position") == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pos.Int("params.position") != 1 {
		t.Fatalf("t1 after the grace period: %v, want position 1 (it keeps its place)", pos)
	}
	// bob comes online: the head (t1) is his at once.
	bob := staffLogin(t, s, "bob")
	act(bob, "", "agent.status", msgT{"status": "online"})
	invited(bob, t1)
}

// TestServiceDisableRequeues: disabling an agent requeues their
// conversations and the next agent gets them.
func TestServiceDisableRequeues(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	bob := staffLogin(t, s, "bob")
	act(bob, "", "agent.status", msgT{"status": "busy"})
	cust := s.Connect(t, "cust")
	topic := act(cust, "", "service.open", nil).Get("params.topic").(string)
	cust.Sub(topic)
	invited(ann, topic)
	first := event(cust, topic, "assigned").Int("data.seq")
	adminDo(t, s.Addr, deskToken, "PATCH", "/v0/admin/staff/ann", `{"disabled":true}`)
	requeued := eventAfter(cust, topic, "queued", first).Int("data.seq")
	act(bob, "", "agent.status", msgT{"status": "online"})
	invited(bob, topic)
	if a := eventAfter(cust, topic, "assigned", requeued); a.Get("data.head.agent") != bob.User {
		t.Errorf("after ann was disabled: %v, want bob", a)
	}
}

// TestServiceMetrics: per-conversation times and counts are stored, and
// desk.metrics and /metrics aggregate them.
func TestServiceMetrics(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	c1, c2 := s.Connect(t, "cust1"), s.Connect(t, "cust2")
	t1 := act(c1, "", "service.open", nil).Get("params.topic").(string)
	invited(ann, t1)
	t2 := act(c2, "", "service.open", nil).Get("params.topic").(string) // queued: ann is full
	c1.Sub(t1)
	c1.Pub(t1, "hello?", "")
	ann.Sub(t1)
	ann.Pub(t1, "hi!", "")
	ann.Pub(t1, "how can I help?", "")
	if ctrl := act(c2, t2, "conv.close", msgT{"reason": "gave up"}); ctrl.Code() != 200 {
		t.Fatalf("customer closes own queued conversation: %v", ctrl)
	}
	act(ann, t1, "conv.close", nil)
	sue := staffLogin(t, s, "sue")
	if ctrl := act(ann, "", "desk.metrics", nil); ctrl.Code() != 403 {
		t.Errorf("desk.metrics by an agent: %v", ctrl)
	}
	var rep map[string]any
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ctrl := act(sue, "", "desk.metrics", nil)
		rep, _ = ctrl.Get("params.report").(map[string]any)
		if rep != nil && rep["conversations"] == 2.0 {
			break
		}
	}
	agents, _ := rep["agents"].([]any)
	if rep["conversations"] != 2.0 || rep["abandoned"] != 1.0 || len(agents) != 1 {
		t.Fatalf("report %v: want 2 conversations, 1 abandoned, ann's", rep)
	}
	if a := agents[0].(map[string]any); a["user"] != ann.User || a["messages"] != 2.0 || a["conversations"] != 1.0 {
		t.Errorf("ann's report %v", a)
	}
	res, err := http.Get("http://" + s.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`parley_cs_conversation_events_total{event="assigned",team="sales"} 1`,
		`parley_cs_abandoned_total{team="sales"} 1`,
		`parley_cs_first_response_seconds_count{team="sales"} 1`,
		`parley_cs_wait_seconds_count{team="sales"} 1`,
		`parley_cs_queue_length{team="sales"} 0`,
		`parley_cs_agents{status="online"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestServiceAgentTools: labels on a conversation and quick replies,
// personal and per team, with their role checks.
func TestServiceAgentTools(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	cust := s.Connect(t, "cust")
	topic := act(cust, "", "service.open", nil).Get("params.topic").(string)
	cust.Sub(topic)
	event(cust, topic, "assigned")

	l := act(ann, topic, "conv.label", msgT{"add": []string{"vip", "refund", "vip"}})
	if l.Code() != 200 || fmt.Sprint(l.Get("params.labels")) != "[refund vip]" {
		t.Fatalf("conv.label: %v", l)
	}
	l = act(ann, topic, "conv.label", msgT{"add": []string{"late"}, "remove": []string{"vip"}})
	if fmt.Sprint(l.Get("params.labels")) != "[late refund]" {
		t.Errorf("conv.label add+remove: %v", l)
	}
	for name, p := range map[string]msgT{"bad label": {"add": []string{"a b"}}, "not a list": {"add": "x"}} {
		if ctrl := act(ann, topic, "conv.label", p); ctrl.Code() != 400 {
			t.Errorf("%s: %v", name, ctrl)
		}
	}
	if ctrl := act(cust, topic, "conv.label", msgT{"add": []string{"x"}}); ctrl.Code() != 403 {
		t.Errorf("conv.label by the customer: %v", ctrl)
	}

	if ctrl := act(ann, "", "reply.save", msgT{"key": "hi", "text": "Hello, I'm Ann."}); ctrl.Code() != 200 {
		t.Fatalf("personal reply.save: %v", ctrl)
	}
	if ctrl := act(ann, "", "reply.save", msgT{"scope": "team:sales", "key": "refund", "text": "Refunds take 3 days."}); ctrl.Code() != 403 {
		t.Errorf("team reply.save by an agent: %v, want 403", ctrl)
	}
	sue := staffLogin(t, s, "sue")
	if ctrl := act(sue, "", "reply.save", msgT{"scope": "team:sales", "key": "refund", "text": "Refunds take 3 days."}); ctrl.Code() != 200 {
		t.Fatalf("team reply.save by a supervisor: %v", ctrl)
	}
	if ctrl := act(sue, "", "reply.save", msgT{"scope": "team:nope", "key": "x", "text": "y"}); ctrl.Code() != 404 {
		t.Errorf("unknown team: %v", ctrl)
	}
	list := act(ann, "", "reply.list", nil)
	// By scope then key, as documented ("personal" before "team:…").
	if got := fmt.Sprint(list.Get("params.replies")); got != "[map[key:hi scope:personal text:Hello, I'm Ann.] map[key:refund scope:team:sales text:Refunds take 3 days.]]" {
		t.Errorf("reply.list: %s", got)
	}
	if ctrl := act(cust, "", "reply.list", nil); ctrl.Code() != 403 {
		t.Errorf("reply.list by a customer: %v", ctrl)
	}
	if ctrl := act(ann, "", "reply.delete", msgT{"key": "hi"}); ctrl.Code() != 200 {
		t.Errorf("reply.delete: %v", ctrl)
	}
	if ctrl := act(ann, "", "reply.delete", msgT{"key": "hi"}); ctrl.Code() != 404 {
		t.Errorf("reply.delete again: %v", ctrl)
	}
}

// TestServiceCustomerDeleted: a customer deleting their account ends
// their open conversation, and the agent's slot goes to the next one.
func TestServiceCustomerDeleted(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	c1, c2 := s.Connect(t, "gone"), s.Connect(t, "next")
	t1 := act(c1, "", "service.open", nil).Get("params.topic").(string)
	invited(ann, t1)
	t2 := act(c2, "", "service.open", nil).Get("params.topic").(string)
	id := c1.ID()
	if ctrl := c1.Request(id, msgT{"del": msgT{"id": id, "what": "user", "hard": true}}); ctrl.Code() != 200 {
		t.Fatalf("del user: %v", ctrl)
	}
	invited(ann, t2)
}

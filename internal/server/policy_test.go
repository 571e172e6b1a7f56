package server_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// policyRules are the word rules of the policy tests.
var policyRules = []string{
	`{"words":["weixin","加微信"],"action":"block","scope":"customer"}`,
	`{"words":["傻逼","shit"],"action":"mask"}`,
	`{"words":["退款"],"action":"review"}`,
}

func addPolicyRules(t *testing.T, s *servertest.Server) {
	t.Helper()
	for _, b := range policyRules {
		if code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/words", b); code != 200 {
			t.Fatalf("add words %s: %d %v", b, code, body)
		}
	}
}

// policyChat is a customer and an agent attached to one service topic.
func policyChat(t *testing.T, s *servertest.Server, cust *servertest.Client) (ann *servertest.Client, topic string) {
	t.Helper()
	ann = staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	cust.Sub("me")
	topic = act(cust, "", "service.open", nil).Get("params.topic").(string)
	cust.Sub(topic)
	event(cust, topic, "assigned")
	mustCode(t, "agent sub", ann.Sub(topic), 200)
	return ann, topic
}

// nextData is the content of c's next {data} on topic from a user (not a
// conversation event, not c's own), with its seq.
func nextData(c *servertest.Client, topic string) (any, int) {
	m := nextDataMsg(c, topic)
	return m.Get("data.content"), m.Int("data.seq")
}

// nextDataMsg is c's next {data} on topic from a user.
func nextDataMsg(c *servertest.Client, topic string) msgT {
	return c.Until("data on "+topic, func(m msgT) bool { return isUserData(c, m, topic) })
}

func isUserData(c *servertest.Client, m msgT, topic string) bool {
	return m.Get("data.topic") == topic && m.Get("data.head.event") == nil && m.Get("data.from") != c.User
}

// actSeeingData is act, also returning the {data} from a user on topic
// that arrived before the answer, if one did.
func actSeeingData(c *servertest.Client, what string, params msgT, topic string) (ctrl, data msgT) {
	id := c.ID()
	c.Send(msgT{"action": msgT{"id": id, "what": what, "params": params}})
	m := c.Until("ctrl "+id, func(m msgT) bool {
		if data == nil && isUserData(c, m, topic) {
			data = m
		}
		return m.Get("ctrl.id") == id
	})
	return m.Obj("ctrl"), data
}

// TestPolicyVerdictsOnTheWire: block answers 422 without a seq and stores
// nothing for anyone; mask answers 202 with the seq and the masked content
// that everyone gets; retries get the same verdict.
func TestPolicyVerdictsOnTheWire(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	addPolicyRules(t, s)
	cust := s.Connect(t, "cust")
	ann, topic := policyChat(t, s, cust)

	for range 2 { // the retry gets the same verdict
		ctrl := cust.Pub(topic, "add my w.e.i.x.i.n", "b1")
		if ctrl.Code() != 422 || ctrl.Get("params.policy") != "blocked" || ctrl.Get("params.seq") != nil {
			t.Fatalf("blocked pub: %v, want 422 params.policy blocked and no seq", ctrl)
		}
	}
	// Staff are not covered by a customer-scoped rule.
	if ctrl := ann.Pub(topic, "my weixin is x", ""); ctrl.Code() != 202 || ctrl.Get("params.policy") != nil {
		t.Errorf("agent's pub with a customer-only word: %v", ctrl)
	}
	if c, _ := nextData(cust, topic); c != "my weixin is x" {
		t.Errorf("customer got %v", c)
	}
	var seq int
	for i := range 2 {
		ctrl := cust.Pub(topic, "你是傻 逼", "m1")
		if ctrl.Code() != 202 || ctrl.Get("params.policy") != "masked" || ctrl.Get("params.content") != "你是***" {
			t.Fatalf("masked pub: %v, want 202 policy masked with the masked content", ctrl)
		}
		if i == 0 {
			seq = ctrl.Int("params.seq")
		} else if ctrl.Int("params.seq") != seq || ctrl.Get("params.duplicate") != true {
			t.Errorf("masked retry: %v, want seq %d again, duplicate", ctrl, seq)
		}
	}
	// The agent's next message after the blocked one is the masked one.
	if c, got := nextData(ann, topic); c != "你是***" || got != seq {
		t.Errorf("agent got %v at seq %d, want the masked text at %d", c, got, seq)
	}
	code, body := adminDo(t, s.Addr, deskToken, "GET", "/v0/admin/reviews?state=blocked", "")
	held, _ := json.Marshal(body["held"])
	if code != 200 || !containsAll(held, `"msgid":"b1"`, `"state":"blocked"`, `"reason":"weixin"`) {
		t.Errorf("blocked attempts for audit: %d %s", code, held)
	}
	if n := len(body["held"].([]any)); n != 1 {
		t.Errorf("%d blocked records, want 1 (the retry keeps the first)", n)
	}
}

// TestReviewQueueAcrossRestart: a held message answers 202 without a seq,
// survives a restart of the server, and once approved gets its seq, is
// delivered and its sender told; a rejected one is never delivered.
func TestReviewQueueAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := servertest.StartIn(t, dir, withAdmin)
	setupDesk(t, s)
	addPolicyRules(t, s)
	cust := s.Connect(t, "cust")
	_, topic := policyChat(t, s, cust)
	for _, msgid := range []string{"r1", "r1", "r2"} {
		ctrl := cust.Pub(topic, "我要退款", msgid)
		if ctrl.Code() != 202 || ctrl.Get("params.policy") != "review" || ctrl.Get("params.seq") != nil {
			t.Fatalf("held pub %s: %v, want 202 policy review and no seq", msgid, ctrl)
		}
	}
	s.Stop()

	s = servertest.StartIn(t, dir, withAdmin)
	cust = s.Dial(t)
	cust.Hi()
	mustCode(t, "customer login", cust.Login("cust", "pass123"), 200)
	mustCode(t, "customer sub", cust.Sub(topic), 200)
	ann := staffLogin(t, s, "ann")
	mustCode(t, "agent sub", ann.Sub(topic), 200)
	if ctrl := cust.Pub(topic, "我要退款", "r1"); ctrl.Get("params.policy") != "review" {
		t.Errorf("retry after the restart: %v, want review again", ctrl)
	}
	list := act(ann, "", "review.list", msgT{"state": "pending"})
	items, _ := list.Get("params.held").([]any)
	if len(items) != 2 {
		t.Fatalf("pending after a restart: %v, want r1 and r2", list)
	}
	ids := map[string]string{}
	for _, it := range items {
		m := it.(map[string]any)
		ids[m["msgid"].(string)] = m["id"].(string)
	}
	if ctrl := act(cust, "", "review.approve", msgT{"id": ids["r1"]}); ctrl.Code() != 403 {
		t.Errorf("a customer approving: %v, want 403", ctrl)
	}
	// The approved message may reach the agent before the answer to the
	// approval: keep it if it does.
	ok, approved := actSeeingData(ann, "review.approve", msgT{"id": ids["r1"]}, topic)
	if ok.Code() != 200 || ok.Get("params.held.state") != "approved" {
		t.Fatalf("approve: %v", ok)
	}
	seq := ok.Int("params.held.seq")
	info := cust.Until("review verdict", func(m msgT) bool { return m.Get("info.what") == "review" })
	if info.Get("info.topic") != topic || info.Get("info.payload.msgid") != "r1" ||
		info.Int("info.payload.seq") != seq || info.Get("info.payload.verdict") != "approved" {
		t.Errorf("sender told %v, want r1 approved at seq %d", info, seq)
	}
	if approved == nil {
		approved = nextDataMsg(ann, topic)
	}
	if c, got := approved.Get("data.content"), approved.Int("data.seq"); c != "我要退款" || got != seq {
		t.Errorf("agent got %v at %d, want the approved message at %d", c, got, seq)
	}
	if ctrl := act(ann, "", "review.approve", msgT{"id": ids["r1"]}); ctrl.Code() != 409 {
		t.Errorf("approving twice: %v, want 409", ctrl)
	}
	if ctrl := cust.Pub(topic, "我要退款", "r1"); ctrl.Int("params.seq") != seq || ctrl.Get("params.duplicate") != true {
		t.Errorf("retry of the approved message: %v, want its seq %d", ctrl, seq)
	}

	code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/reviews/"+ids["r2"]+"/reject", "")
	if code != 200 {
		t.Fatalf("reject: %d %v", code, body)
	}
	info = cust.Until("review verdict", func(m msgT) bool {
		return m.Get("info.what") == "review" && m.Get("info.payload.msgid") == "r2"
	})
	if info.Get("info.payload.verdict") != "rejected" || info.Int("info.payload.seq") != 0 {
		t.Errorf("rejection told as %v", info)
	}
	if ctrl := cust.Pub(topic, "我要退款", "r2"); ctrl.Code() != 422 || ctrl.Get("params.policy") != "rejected" {
		t.Errorf("retry of the rejected message: %v, want 422 policy rejected", ctrl)
	}
	// Nothing of r2 reached the agent: their next message is the next one.
	next := cust.Pub(topic, "thanks", "")
	if c, got := nextData(ann, topic); c != "thanks" || got != next.Int("params.seq") {
		t.Errorf("agent's next message: %v at %d", c, got)
	}
}

// TestWordsAPIErrors: bad rules are refused with a reason.
func TestWordsAPIErrors(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	for _, b := range []string{
		`{"words":["x"],"action":"delete"}`,
		`{"words":["x"],"action":"block","scope":"everyone"}`,
		`{"words":["..."],"action":"block"}`,
		`{"words":[],"action":"block"}`,
		`{"words":["x"],"action":"block","extra":1}`,
	} {
		if code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/words", b); code != 400 || body["error"] == "" {
			t.Errorf("%s: %d %v, want 400 with an error", b, code, body)
		}
	}
	if code, _ := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/reviews/nope/approve", ""); code != 404 {
		t.Errorf("approving an unknown id: %d, want 404", code)
	}
	if code, _ := adminDo(t, s.Addr, deskToken, "GET", "/v0/admin/reviews?state=odd", ""); code != 400 {
		t.Errorf("an unknown state: %d, want 400", code)
	}
}

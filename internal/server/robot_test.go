package server_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// importFAQ creates team and imports the FAQ file into it.
func importFAQ(t *testing.T, s *servertest.Server, team, file string) {
	t.Helper()
	if code, body := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"`+team+`"}`); code != 201 && code != 409 {
		t.Fatalf("team %s: %d %v", team, code, body)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := adminDo(t, s.Addr, deskToken, "PUT", "/v0/admin/faq/"+team, string(raw)); code != 200 || body["count"] == nil {
		t.Fatalf("FAQ import: %d %v", code, body)
	}
}

// botCustomer connects a customer, opens a conversation in team (which
// must answer state bot) and subscribes; it returns the topic after the
// robot's greeting arrived.
func botCustomer(t *testing.T, s *servertest.Server, login, team string) (*servertest.Client, string) {
	t.Helper()
	c := s.Connect(t, login)
	open := act(c, "", "service.open", msgT{"team": team})
	topic, _ := open.Get("params.topic").(string)
	if open.Code() != 200 || open.Get("params.state") != "bot" || open.Get("params.position") != nil {
		t.Fatalf("service.open on a team with an FAQ: %v, want state bot", open)
	}
	if ctrl := c.Sub(topic); ctrl.Code() != 200 {
		t.Fatalf("sub: %v", ctrl)
	}
	c.Send(msgT{"get": msgT{"id": c.ID(), "topic": topic, "what": "data"}})
	g := c.Until("the robot's greeting", func(m msgT) bool {
		return m.Get("data.topic") == topic && m.Get("data.head.robot") == "greeting"
	})
	if g.Get("data.head.type") != "robot" || len(suggestions(g)) == 0 {
		t.Errorf("greeting %v: want head.type robot and suggestions", g)
	}
	return c, topic
}

func suggestions(m msgT) []any { s, _ := m.Get("data.head.suggestions").([]any); return s }

// ask publishes question and returns the robot's reply to it.
func ask(t *testing.T, c *servertest.Client, topic, question string) msgT {
	t.Helper()
	ctrl := c.Pub(topic, question, "q-"+c.ID())
	if ctrl.Code() != 202 {
		t.Fatalf("pub %q: %v", question, ctrl)
	}
	seq := ctrl.Int("params.seq")
	return c.Until("the robot's reply to "+question, func(m msgT) bool {
		return m.Get("data.topic") == topic && m.Get("data.head.type") == "robot" && m.Int("data.head.reply") == seq
	})
}

// TestRobotAnswersFAQ: on an English and a Chinese FAQ, a table of
// questions as customers type them gets the expected answers, through
// the topic like any message (a seq, from the robot's own account), with
// suggestions; an unknown question gets "did you mean".
func TestRobotAnswersFAQ(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	importFAQ(t, s, "en", "../robot/testdata/faq_en.json")
	importFAQ(t, s, "zh", "../robot/testdata/faq_zh.json")
	cases := []struct{ team, question, answer string }{
		{"en", "How do I return an item?", "You can return"},
		{"en", "i want a refund", "You can return"},
		{"en", "is shipping free?", "Shipping is free"},
		{"en", "I forgot my PASSWORD", "Go to Account"},
		{"en", "what's the weather today", ""},
		{"en", "where is my order", "Open Orders"},
		{"en", "do you deliver overseas", "We ship to 40"},
		{"zh", "我想退款", "收货后7天内"},
		{"zh", "运费多少钱", "订单满99元"},
		{"zh", "今天天气怎么样", ""},
		{"zh", "我要改地址", "发货前可在"},
		{"zh", "可以用支付宝付款吗", "支持微信支付"},
		{"zh", "能开发票吗", "可以，下单时"},
	}
	clients := map[string]*servertest.Client{}
	topics := map[string]string{}
	for _, team := range []string{"en", "zh"} {
		clients[team], topics[team] = botCustomer(t, s, "cust"+team, team)
	}
	var robotUser any
	for _, c := range cases {
		reply := ask(t, clients[c.team], topics[c.team], c.question)
		if robotUser == nil {
			robotUser = reply.Get("data.from")
		}
		if reply.Get("data.from") != robotUser || robotUser == clients[c.team].User || robotUser == nil {
			t.Errorf("%q: reply from %v", c.question, reply.Get("data.from"))
		}
		content, _ := reply.Get("data.content").(string)
		kind := reply.Get("data.head.robot")
		switch {
		case c.answer == "" && (kind != "suggest" || len(suggestions(reply)) == 0):
			t.Errorf("%q: %v, want did-you-mean suggestions", c.question, reply)
		case c.answer != "" && (kind != "answer" || !strings.HasPrefix(content, c.answer)):
			t.Errorf("%q: %v, want the answer %q…", c.question, reply, c.answer)
		}
		if c.answer == "" && c.team == "zh" && !strings.Contains(content, "您") {
			t.Errorf("%q: the robot's own words %q are not Chinese", c.question, content)
		}
	}
	// Tapping a suggestion sends its question: answered in full.
	reply := ask(t, clients["en"], topics["en"], "tell me a joke")
	tap, _ := suggestions(reply)[0].(string)
	if again := ask(t, clients["en"], topics["en"], tap); again.Get("data.head.robot") != "answer" ||
		again.Get("data.head.confidence") != 1.0 {
		t.Errorf("tapped suggestion %q: %v", tap, again)
	}
	// Closed, then the customer writes again: the next conversation opens
	// with the robot, which answers that very message (no greeting).
	zc, zt := clients["zh"], topics["zh"]
	if ctrl := act(zc, zt, "conv.close", nil); ctrl.Code() != 200 {
		t.Fatalf("close: %v", ctrl)
	}
	if r := ask(t, zc, zt, "运费多少钱"); r.Get("data.head.robot") != "answer" {
		t.Errorf("the message that reopened the conversation: %v, want the robot's answer", r)
	}
	// Nobody was queued: the robot held every conversation.
	if p := act(clients["en"], topics["en"], "queue.position", nil); p.Int("params.position") != 0 {
		t.Errorf("queue position while with the robot: %v", p)
	}
}

// TestRobotHandOff: "人工", "human", conv.human and two misses in a row
// each hand the conversation to a person: the robot says so, the queued
// event follows, and an online agent is assigned. A team without an FAQ
// skips the robot.
func TestRobotHandOff(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	setupDesk(t, s)
	importFAQ(t, s, "sales", "../robot/testdata/faq_zh.json")
	ways := []struct {
		name string
		ask  func(c *servertest.Client, topic string)
	}{
		{"人工", func(c *servertest.Client, topic string) { ask(t, c, topic, "转人工") }},
		{"human", func(c *servertest.Client, topic string) { ask(t, c, topic, "I want a HUMAN") }},
		{"conv.human", func(c *servertest.Client, topic string) {
			if ctrl := act(c, topic, "conv.human", nil); ctrl.Code() != 200 || ctrl.Get("params.state") != "queued" {
				t.Errorf("conv.human: %v", ctrl)
			}
		}},
		{"misses", func(c *servertest.Client, topic string) {
			if r := ask(t, c, topic, "今天天气怎么样"); r.Get("data.head.robot") != "suggest" {
				t.Errorf("first miss: %v", r)
			}
			if r := ask(t, c, topic, "你们老板是谁"); r.Get("data.head.robot") != "handoff" {
				t.Errorf("second miss: %v, want a hand-off", r)
			}
		}},
	}
	for i, w := range ways {
		c, topic := botCustomer(t, s, fmt.Sprintf("h%d", i), "sales")
		w.ask(c, topic)
		q := event(c, topic, "queued")
		if q.Get("data.head.team") != "sales" {
			t.Errorf("%s: queued event %v", w.name, q)
		}
		// Nothing more from the robot once a person is asked for.
		if ctrl := c.Pub(topic, "运费多少", "after-"+w.name); ctrl.Code() != 202 {
			t.Fatalf("%s: %v", w.name, ctrl)
		}
		if p := act(c, topic, "queue.position", nil); p.Int("params.position") != i+1 {
			t.Errorf("%s: position %v, want %d", w.name, p, i+1)
		}
	}
	// An agent comes online: the first handed-off conversation is hers.
	ann := staffLogin(t, s, "ann")
	act(ann, "", "agent.status", msgT{"status": "online"})
	ann.Until("an assignment", func(m msgT) bool { return m.Get("pres.what") == "acs" })

	// A team without an FAQ skips the robot.
	if code, _ := adminDo(t, s.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"plain"}`); code != 201 {
		t.Fatal("team plain")
	}
	c := s.Connect(t, "plainc")
	if open := act(c, "", "service.open", msgT{"team": "plain"}); open.Get("params.state") != "queued" {
		t.Errorf("service.open on a team without an FAQ: %v, want queued", open)
	}
}

// TestFAQAdminAPI: the FAQ endpoints refuse bad files and unknown teams
// with a reason, and an empty FAQ takes the team's robot away.
func TestFAQAdminAPI(t *testing.T) {
	s := servertest.Start(t, withAdmin)
	importFAQ(t, s, "sales", "../robot/testdata/faq_en.json")
	for body, want := range map[string]int{
		`[{"question":"q"}]`: 400, `{"question":"q","answer":"a"}`: 400, `not json`: 400,
		`[{"question":"q","answer":"a","keyword":["x"]}]`: 400,
	} {
		if code, res := adminDo(t, s.Addr, deskToken, "PUT", "/v0/admin/faq/sales", body); code != want || res["error"] == nil {
			t.Errorf("PUT %s: %d %v, want %d with an error", body, code, res, want)
		}
	}
	if code, _ := adminDo(t, s.Addr, deskToken, "PUT", "/v0/admin/faq/nope", `[]`); code != 404 {
		t.Errorf("unknown team: %d", code)
	}
	if code, _ := adminDo(t, s.Addr, "wrong", "GET", "/v0/admin/faq/sales", ""); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	if code, res := adminDo(t, s.Addr, deskToken, "GET", "/v0/admin/faq/sales", ""); code != 200 || res["count"] != 8.0 {
		t.Errorf("GET after the bad imports: %d %v, want the 8 entries kept", code, res)
	}
	if code, _ := adminDo(t, s.Addr, deskToken, "PUT", "/v0/admin/faq/sales", `[]`); code != 200 {
		t.Fatalf("empty FAQ: %d", code)
	}
	c := s.Connect(t, "cust")
	if open := act(c, "", "service.open", msgT{"team": "sales"}); open.Get("params.state") != "queued" {
		t.Errorf("after the FAQ was removed: %v, want queued", open)
	}
}

// Package cs runs the customer-service scenario end to end over raw
// frames against a real `parley serve` process: a customer, two agents
// and a supervisor, a restart in the middle, and the customer's history
// checked to hold every conversation event once, in seq order.
package cs

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

type msg = servertest.Msg

const token = "cs-flow-token"

type desk struct {
	t *testing.T
	p *servertest.Process
}

func (d *desk) admin(method, path, body string) {
	d.t.Helper()
	req, _ := http.NewRequest(method, "http://"+d.p.Addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		d.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
}

func (d *desk) dial() *servertest.Client {
	d.t.Helper()
	c, err := servertest.DialAddr(d.t, d.p.Addr, "")
	if err != nil {
		d.t.Fatal(err)
	}
	c.Hi()
	return c
}

// staff logs in and subscribes to me, as a workbench does.
func (d *desk) staff(login string) *servertest.Client {
	d.t.Helper()
	c := d.dial()
	if ctrl := c.Login(login, "pass123"); ctrl.Code() != 200 {
		d.t.Fatalf("login %s: %v", login, ctrl)
	}
	if ctrl := c.Sub("me"); ctrl.Code() != 200 {
		d.t.Fatalf("sub me: %v", ctrl)
	}
	return c
}

func act(t *testing.T, c *servertest.Client, topic, what string, params msg, code int) msg {
	t.Helper()
	id := c.ID()
	a := msg{"id": id, "what": what}
	if topic != "" {
		a["topic"] = topic
	}
	if params != nil {
		a["params"] = params
	}
	ctrl := c.Request(id, msg{"action": a})
	if ctrl.Code() != code {
		t.Fatalf("%s: %v, want %d", what, ctrl, code)
	}
	return ctrl
}

func event(c *servertest.Client, topic, ev string, after int) msg {
	return c.Until("event "+ev, func(m msg) bool {
		return m.Get("data.topic") == topic && m.Get("data.head.event") == ev && m.Int("data.seq") > after
	})
}

func invited(c *servertest.Client, topic string) {
	c.Until("pres acs "+topic, func(m msg) bool {
		return m.Get("pres.what") == "acs" && m.Get("pres.src") == topic
	})
}

func TestCustomerServiceScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dir := t.TempDir()
	env := []string{"PARLEY_ADMIN_TOKEN=" + token, "PARLEY_OFFLINE_GRACE=30s"}
	d := &desk{t: t, p: servertest.StartProcess(t, dir, env...)}
	d.admin("POST", "/v0/admin/teams", `{"name":"support"}`)
	d.admin("POST", "/v0/admin/staff", `{"login":"alice","password":"pass123","role":"agent","teams":["support"],"capacity":2}`)
	d.admin("POST", "/v0/admin/staff", `{"login":"bruno","password":"pass123","role":"agent","teams":["support"],"capacity":2}`)
	d.admin("POST", "/v0/admin/staff", `{"login":"sara","password":"pass123","role":"supervisor"}`)

	// The customer arrives before any agent: queued at 1.
	cust := d.dial()
	if ctrl := cust.Signup("kim", "pass123"); ctrl.Code() != 200 {
		t.Fatal(ctrl)
	}
	open := act(t, cust, "", "service.open", nil, 200)
	topic := open.Get("params.topic").(string)
	if open.Get("params.state") != "queued" || open.Int("params.position") != 1 {
		t.Fatalf("service.open: %v", open)
	}
	cust.Sub(topic)
	if p := act(t, cust, topic, "queue.position", nil, 200); p.Int("params.position") != 1 {
		t.Errorf("queue.position: %v", p)
	}

	// alice comes online and gets it; bruno is busy.
	alice, bruno := d.staff("alice"), d.staff("bruno")
	act(t, bruno, "", "agent.status", msg{"status": "busy"}, 200)
	act(t, alice, "", "agent.status", msg{"status": "online"}, 200)
	invited(alice, topic)
	seq := event(cust, topic, "assigned", 0).Int("data.seq")
	alice.Sub(topic)
	if ctrl := alice.Pub(topic, "Hi Kim, alice here.", "a-1"); ctrl.Code() != 202 {
		t.Fatal(ctrl)
	}
	if ctrl := cust.Pub(topic, "My order is late.", "k-1"); ctrl.Code() != 202 {
		t.Fatal(ctrl)
	}

	// The supervisor sees alice holding it, joins and reads the history.
	sara := d.staff("sara")
	state := act(t, sara, "", "desk.state", nil, 200)
	if !strings.Contains(state.String(), topic) {
		t.Errorf("desk.state does not show %s: %v", topic, state)
	}
	act(t, sara, topic, "conv.join", nil, 200)
	if ctrl := sara.Sub(topic); ctrl.Code() != 200 {
		t.Fatalf("supervisor sub: %v", ctrl)
	}

	// The server restarts (SIGTERM); nothing is lost.
	d.p.Terminate()
	d.p = servertest.StartProcess(t, dir, env...)
	alice, bruno = d.staff("alice"), d.staff("bruno")
	act(t, alice, "", "agent.status", msg{"status": "online"}, 200)
	act(t, bruno, "", "agent.status", msg{"status": "online"}, 200)
	cust = d.dial()
	cust.Login("kim", "pass123")
	cust.Sub(topic)

	// alice transfers to bruno, bruno closes.
	act(t, alice, topic, "conv.transfer", msg{"to": bruno.User}, 200)
	invited(bruno, topic)
	event(cust, topic, "transferred", seq)
	seq = event(cust, topic, "assigned", seq).Int("data.seq")
	act(t, bruno, topic, "conv.close", msg{"reason": "resolved"}, 200)
	seq = event(cust, topic, "closed", seq).Int("data.seq")

	// Kim writes again: a new conversation, to bruno (the last agent) first.
	cust.Pub(topic, "One more question.", "k-2")
	event(cust, topic, "reopened", seq)
	if a := event(cust, topic, "assigned", seq); a.Get("data.head.agent") != bruno.User {
		t.Errorf("reopened: %v, want bruno", a)
	}

	// The whole history, paged from the store: every event once, in order.
	id := cust.ID()
	cust.Send(msg{"get": msg{"id": id, "topic": topic, "what": "data", "data": msg{"limit": 100}}})
	bySeq := map[int]string{}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m := cust.Read()
		if m.Get("ctrl.id") == id {
			break
		}
		if m.Get("data.topic") != topic {
			continue
		}
		text, _ := m.Get("data.head.event").(string)
		if text == "" {
			text = fmt.Sprint(m.Get("data.content"))
		}
		s := m.Int("data.seq")
		if prev, ok := bySeq[s]; ok && prev != text {
			t.Errorf("seq %d is %q and %q", s, prev, text)
		}
		bySeq[s] = text
	}
	var got []string
	for s := 1; s <= len(bySeq); s++ {
		text, ok := bySeq[s]
		if !ok {
			t.Fatalf("history has a hole at seq %d: %v", s, bySeq)
		}
		got = append(got, text)
	}
	want := "queued assigned Hi Kim, alice here. My order is late. transferred assigned closed One more question. reopened queued assigned"
	if strings.Join(got, " ") != want {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, " "), want)
	}
}

package security

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// The customer-service authorisation matrix (docs/security.md, "Who may
// do what"): every cell of the documented table, played against a real
// server, each on fresh conversations.

const csToken = "cs-matrix-token"

// csColumns are the matrix's caller columns, in the table's order.
var csColumns = []string{"customer own", "customer foreign", "agent assigned", "agent foreign", "supervisor", "admin"}

// csMatrix reads the table between the matrix markers: operation → the
// expected answer per column ("" for —).
func csMatrix(t *testing.T) ([]string, map[string][]string) {
	t.Helper()
	f, err := os.Open("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ops []string
	cells := map[string][]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "<!-- matrix:"):
			in = true
		case strings.HasPrefix(line, "<!-- end matrix"):
			in = false
		case in && strings.HasPrefix(line, "| `"):
			parts := strings.Split(strings.Trim(line, "| "), "|")
			if len(parts) != len(csColumns)+1 {
				t.Fatalf("matrix row %q has %d cells", line, len(parts))
			}
			op := strings.TrimSpace(strings.ReplaceAll(parts[0], "`", ""))
			var row []string
			for _, c := range parts[1:] {
				c = strings.TrimSpace(c)
				if c == "—" {
					c = ""
				}
				row = append(row, c)
			}
			ops = append(ops, op)
			cells[op] = row
		}
	}
	if len(ops) < 10 {
		t.Fatalf("found %d matrix rows in docs/security.md", len(ops))
	}
	return ops, cells
}

// csAdmin calls the admin API.
func csAdmin(t *testing.T, p *servertest.Process, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.Addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+csToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
}

// csLogin logs a staff member in and subscribes to me.
func csLogin(t *testing.T, p *servertest.Process, login string) *servertest.Client {
	t.Helper()
	c := dial(t, p)
	c.Hi()
	wantCode(t, "login "+login, c.Login(login, "pass123"), 200)
	wantCode(t, "sub me", c.Sub("me"), 200)
	return c
}

// csAct sends an {action}.
func csAct(c *servertest.Client, topic, what string, params msg) servertest.Msg {
	body := msg{"what": what}
	if topic != "" {
		body["topic"] = topic
	}
	if params != nil {
		body["params"] = params
	}
	return ask(c, "action", body)
}

// csOpen signs a customer up and opens a conversation in team, which its
// only agent takes at once.
func csOpen(t *testing.T, p *servertest.Process, login, team string) (*servertest.Client, string) {
	t.Helper()
	c := user(t, p, login)
	ctrl := csAct(c, "", "service.open", msg{"team": team})
	if ctrl.Code() != 200 || ctrl.Get("params.state") != "assigned" {
		t.Fatalf("service.open in %s: %v", team, ctrl)
	}
	topic := ctrl.Get("params.topic").(string)
	// The agent is a member once the assigned event is stored: it is
	// appended after the membership is given.
	wantCode(t, "customer sub", c.Sub(topic), 200)
	c.Until("assigned event", func(m servertest.Msg) bool {
		return m.Get("data.topic") == topic && m.Get("data.head.event") == "assigned"
	})
	ask(c, "leave", msg{"topic": topic})
	return c, topic
}

func TestCustomerServiceMatrix(t *testing.T) {
	p := startServer(t, "PARLEY_ADMIN_TOKEN="+csToken)
	ops, cells := csMatrix(t)
	csAdmin(t, p, "POST", "/v0/admin/teams", `{"name":"teamA"}`)
	csAdmin(t, p, "POST", "/v0/admin/teams", `{"name":"teamB"}`)
	for _, s := range []string{
		`{"login":"agenta","password":"pass123","role":"agent","teams":["teamA"],"capacity":1000}`,
		`{"login":"agentb","password":"pass123","role":"agent","teams":["teamB"],"capacity":1000}`,
		`{"login":"super","password":"pass123","role":"supervisor"}`,
		`{"login":"admin1","password":"pass123","role":"admin"}`,
	} {
		csAdmin(t, p, "POST", "/v0/admin/staff", s)
	}
	callers := map[string]*servertest.Client{
		"agenta": csLogin(t, p, "agenta"), "agentb": csLogin(t, p, "agentb"),
		"super": csLogin(t, p, "super"), "admin1": csLogin(t, p, "admin1")}
	for _, a := range []string{"agenta", "agentb"} {
		wantCode(t, a+" online", csAct(callers[a], "", "agent.status", msg{"status": "online"}), 200)
	}
	n := 0
	for _, op := range ops {
		for col, want := range cells[op] {
			if want == "" {
				continue
			}
			n++
			// A fresh own conversation (agent A) and a foreign one (agent B).
			cust, own := csOpen(t, p, fmt.Sprintf("mc%d", n), "teamA")
			_, foreign := csOpen(t, p, fmt.Sprintf("mf%d", n), "teamB")
			var caller *servertest.Client
			topic := own
			switch csColumns[col] {
			case "customer own":
				caller = cust
			case "customer foreign":
				caller, topic = cust, foreign
			case "agent assigned":
				caller = callers["agenta"]
			case "agent foreign":
				caller, topic = callers["agenta"], foreign
			case "supervisor":
				caller = callers["super"]
			case "admin":
				caller = callers["admin1"]
			}
			got := csDo(t, caller, op, topic)
			if fmt.Sprint(got.Code()) != want {
				t.Errorf("%s by %s: %v, want %s (docs/security.md matrix)", op, csColumns[col], got, want)
			}
		}
	}
	t.Logf("%d cells", n)
}

// csDo performs op on topic as c and returns the ctrl.
func csDo(t *testing.T, c *servertest.Client, op, topic string) servertest.Msg {
	t.Helper()
	switch op {
	case "service.open":
		return csAct(c, "", op, msg{"team": "teamA"})
	case "agent.status":
		return csAct(c, "", op, msg{"status": "online"})
	case "desk.state", "desk.metrics":
		return csAct(c, "", op, nil)
	case "conv.transfer":
		return csAct(c, topic, op, msg{"to": "team:teamB"})
	case "conv.close":
		return csAct(c, topic, op, msg{"reason": "matrix"})
	case "conv.human", "queue.position", "conv.join":
		return csAct(c, topic, op, nil)
	case "conv.label":
		return csAct(c, topic, op, msg{"add": []string{"matrix"}})
	case "reply.list":
		return csAct(c, "", op, nil)
	case "reply.save (personal)":
		return csAct(c, "", "reply.save", msg{"key": "hi", "text": "hello"})
	case "reply.save (team)":
		return csAct(c, "", "reply.save", msg{"scope": "team:teamA", "key": "hi", "text": "hello"})
	case "sub":
		ctrl := c.Sub(topic)
		csLeave(c, topic, ctrl)
		return ctrl
	case "pub (after sub)":
		wantCode(t, "sub before pub", c.Sub(topic), 200)
		ctrl := c.Pub(topic, "hello", "")
		csLeave(c, topic, servertest.Msg{"code": 200.0})
		return ctrl
	case "pub private note (after sub)":
		wantCode(t, "sub before pub", c.Sub(topic), 200)
		id := c.ID()
		ctrl := c.Request(id, msg{"pub": msg{"id": id, "topic": topic, "content": "note", "head": msg{"private": true}}})
		csLeave(c, topic, servertest.Msg{"code": 200.0})
		return ctrl
	case "sub after conv.join":
		wantCode(t, "conv.join", csAct(c, topic, "conv.join", nil), 200)
		ctrl := c.Sub(topic)
		csLeave(c, topic, ctrl)
		return ctrl
	}
	t.Fatalf("the matrix names an operation the test does not know: %q", op)
	return nil
}

// csLeave detaches a staff caller again (they are reused across cells).
func csLeave(c *servertest.Client, topic string, ctrl servertest.Msg) {
	if ctrl.Code() == 200 {
		ask(c, "leave", msg{"topic": topic})
	}
}

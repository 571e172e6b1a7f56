package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/cluster/natstest"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// startDeskCluster starts three gateways of one cluster. The first starts
// alone, takes the router's lease and gets the desk's team and staff
// (ann, bob and cy: agents of "sales" with one slot each; sue: a
// supervisor); the others load them from the store when they start.
func startDeskCluster(t *testing.T) []*servertest.Server {
	t.Helper()
	nodes, _ := deskClusterWithLease(t, 2*time.Second)
	return nodes
}

// deskClusterWithLease is startDeskCluster with cluster_lease lease; it
// also returns the database's URL.
func deskClusterWithLease(t *testing.T, lease time.Duration) ([]*servertest.Server, string) {
	t.Helper()
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	start := func() *servertest.Server {
		return servertest.Start(t, withAdmin, func(c *server.Config) {
			c.Store, c.NATS, c.ClusterLease = db, ns.URL(), server.Duration(lease)
		})
	}
	first := start()
	if code, body := adminDo(t, first.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"sales"}`); code != 201 {
		t.Fatalf("team: %d %v", code, body)
	}
	for _, b := range []string{
		`{"login":"ann","password":"pass123","role":"agent","teams":["sales"],"capacity":1}`,
		`{"login":"bob","password":"pass123","role":"agent","teams":["sales"],"capacity":1}`,
		`{"login":"cy","password":"pass123","role":"agent","teams":["sales"],"capacity":1}`,
		`{"login":"sue","password":"pass123","role":"supervisor"}`,
	} {
		if code, body := adminDo(t, first.Addr, deskToken, "POST", "/v0/admin/staff", b); code != 201 {
			t.Fatalf("staff: %d %v", code, body)
		}
	}
	return []*servertest.Server{first, start(), start()}, db
}

// openService has a customer open a conversation and returns its topic.
func openService(t *testing.T, c *servertest.Client, state string, position int) string {
	t.Helper()
	open := act(c, "", "service.open", nil)
	topic, _ := open.Get("params.topic").(string)
	if open.Code() != 200 || topic == "" || open.Get("params.state") != state || open.Int("params.position") != position {
		t.Fatalf("service.open: %v, want %s at position %d", open, state, position)
	}
	return topic
}

// deskHolds reports whether the desk.state answer d shows agent holding
// every topic in topics.
func deskHolds(d msgT, agent string, topics ...string) bool {
	agents, _ := d.Get("params.agents").([]any)
	for _, a := range agents {
		m, _ := a.(map[string]any)
		if m["user"] != agent {
			continue
		}
		convs, _ := m["conversations"].([]any)
		for _, topic := range topics {
			if !slices.Contains(convs, any(topic)) {
				return false
			}
		}
		return true
	}
	return false
}

// metricsOf is node's /metrics page.
func metricsOf(t *testing.T, node *servertest.Server) string {
	t.Helper()
	res, err := http.Get("http://" + node.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("/metrics: %d %v", res.StatusCode, err)
	}
	return string(body)
}

// deskStatus is agent's status in the desk.state answer d.
func deskStatus(d msgT, agent string) any {
	agents, _ := d.Get("params.agents").([]any)
	for _, a := range agents {
		if m, _ := a.(map[string]any); m["user"] == agent {
			return m["status"]
		}
	}
	return nil
}

// untilDesk asks desk.state until ok accepts the answer, for up to ten
// seconds (the router may be moving to another node).
func untilDesk(t *testing.T, sup *servertest.Client, what string, ok func(msgT) bool) msgT {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := act(sup, "", "desk.state", nil)
		if d.Code() == 200 && ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: desk.state still %v", what, d)
		}
		time.Sleep(50 * time.Millisecond) // polling the router, with a deadline
	}
}

// One router serves the whole cluster: customers and agents on different
// nodes are matched, an agent's capacity holds whichever node the next
// customer arrives on, transfers and closes work across nodes, and when
// the router's node stops another node takes over with the queue and the
// assignments as they were.
func TestClusterDeskRoutesAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := startDeskCluster(t)
	router, a, b := nodes[0], nodes[1], nodes[2]

	carl := a.Connect(t, "carl")
	carlTopic := openService(t, carl, "queued", 1)
	mustCode(t, "carl's sub", carl.Sub(carlTopic), 200)
	ann := staffLogin(t, b, "ann")
	if st := act(ann, "", "agent.status", msgT{"status": "online"}); st.Code() != 200 || st.Get("params.status") != "online" {
		t.Fatalf("ann's agent.status: %v", st)
	}
	invited(ann, carlTopic)
	if got := event(carl, carlTopic, "assigned"); got.Get("data.head.agent") != ann.User {
		t.Fatalf("carl's conversation assigned %v, want ann", got)
	}

	// Ann's one slot is taken: dave waits although she is online.
	dave := a.Connect(t, "dave")
	daveTopic := openService(t, dave, "queued", 1)
	mustCode(t, "dave's sub", dave.Sub(daveTopic), 200)
	bob := staffLogin(t, router, "bob")
	act(bob, "", "agent.status", msgT{"status": "online"})
	invited(bob, daveTopic)
	if got := event(dave, daveTopic, "assigned"); got.Get("data.head.agent") != bob.User {
		t.Fatalf("dave's conversation assigned %v, want bob", got)
	}

	// Everyone is full: erin, on the third node, queues; ann's close
	// frees her slot for erin.
	erin := b.Connect(t, "erin")
	erinTopic := openService(t, erin, "queued", 1)
	mustCode(t, "erin's sub", erin.Sub(erinTopic), 200)
	mustCode(t, "ann's close", act(ann, carlTopic, "conv.close", msgT{"reason": "solved"}), 200)
	event(carl, carlTopic, "closed")
	invited(ann, erinTopic)
	if got := event(erin, erinTopic, "assigned"); got.Get("data.head.agent") != ann.User {
		t.Fatalf("erin's conversation assigned %v, want ann", got)
	}

	// Bob steps away and hands dave to cy, on the customer's node.
	cy := staffLogin(t, a, "cy")
	act(cy, "", "agent.status", msgT{"status": "online"})
	act(bob, "", "agent.status", msgT{"status": "busy"})
	mustCode(t, "bob's transfer", act(bob, daveTopic, "conv.transfer", msgT{"to": cy.User}), 200)
	invited(cy, daveTopic)
	if tr := event(dave, daveTopic, "transferred"); tr.Get("data.head.to") != cy.User {
		t.Fatalf("transferred event %v, want to cy", tr)
	}
	frank := a.Connect(t, "frank")
	frankTopic := openService(t, frank, "queued", 1)
	if m := metricsOf(t, router); !strings.Contains(m, "parley_cs_conversation_events_total") {
		t.Errorf("the router's node exports no routing metrics")
	}
	if m := metricsOf(t, a); strings.Contains(m, "parley_cs_") {
		t.Errorf("a node without the router exports routing metrics")
	}

	// The router's node stops; another node takes the router over and
	// rebuilds it from the store. Ann's node tells it she is online, if
	// her session lives on: it ends with the stopped node when that node
	// held the shard of her me topic (whichever node first needed a topic
	// of that shard holds it), and then she comes back and says so.
	router.Stop()
	if !stillConnected(ann) {
		t.Log("ann's session ended with the stopped node: she logs in again")
		ann = staffLogin(t, b, "ann")
		mustCode(t, "ann's status again", act(ann, "", "agent.status", msgT{"status": "online"}), 200)
	}
	sue := staffLogin(t, b, "sue")
	untilDesk(t, sue, "the queue, assignments and statuses after the takeover", func(d msgT) bool {
		queued, _ := d.Get("params.queued").(map[string]any)
		return queued["sales"] == float64(1) && deskHolds(d, ann.User, erinTopic) && deskHolds(d, cy.User, daveTopic) &&
			deskStatus(d, ann.User) == "online"
	})
	cy = staffLogin(t, a, "cy") // its session may have gone with a topic of the stopped node
	mustCode(t, "cy's close on the new router", act(cy, daveTopic, "conv.close", nil), 200)
	mustCode(t, "cy's status on the new router", act(cy, "", "agent.status", msgT{"status": "online"}), 200)
	untilDesk(t, sue, "frank assigned to cy", func(d msgT) bool { return deskHolds(d, cy.User, frankTopic) })

	// Cy answers frank through the node without the router, which then
	// owns frank's topic: the router hears of the message from there.
	other := a
	if strings.Contains(metricsOf(t, a), "parley_cs_") {
		other = b
	}
	cy = staffLogin(t, other, "cy")
	// The router decided before it let cy in: she may have to ask again.
	for deadline := time.Now().Add(10 * time.Second); ; {
		ctrl := cy.Sub(frankTopic)
		if ctrl.Code() == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cy's sub to frank's topic: %v", ctrl)
		}
		time.Sleep(50 * time.Millisecond) // polling the membership, with a deadline
	}
	mustCode(t, "cy's answer", cy.Pub(frankTopic, "hello frank", "cy1"), 202)
	mustCode(t, "cy's close of frank's", act(cy, frankTopic, "conv.close", nil), 200)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep := act(sue, "", "desk.metrics", nil)
		agents, _ := rep.Get("params.report.agents").([]any)
		for _, ag := range agents {
			if m, _ := ag.(map[string]any); m["user"] == cy.User && m["messages"] == 1.0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("cy's answer is not counted: %v", rep)
		}
		time.Sleep(50 * time.Millisecond) // polling the report, with a deadline
	}
}

// stillConnected reports whether c's session still answers: a get on me
// is answered ({meta}, or a ctrl if it fails), rather than the connection
// closed.
func stillConnected(c *servertest.Client) bool {
	id := c.ID()
	if c.SendText([]byte(`{"get":{"id":"`+id+`","topic":"me","what":"desc"}}`)) != nil {
		return false
	}
	for {
		b, err := c.ReadFrame()
		if err != nil {
			return false
		}
		var m msgT
		if json.Unmarshal(b, &m) == nil && (m.Get("meta.id") == id || m.Get("ctrl.id") == id) {
			return true // the description, or an error about it: the session answers
		}
	}
}

// deskAgent is agent's entry in the desk.state answer d, nil if absent.
func deskAgent(d msgT, agent string) map[string]any {
	agents, _ := d.Get("params.agents").([]any)
	for _, a := range agents {
		if m, _ := a.(map[string]any); m["user"] == agent {
			return m
		}
	}
	return nil
}

// Teams and staff changed through the admin API of a node that does not
// run the router reach the router and the other nodes' directories.
func TestClusterDeskDirectoryChanges(t *testing.T) {
	t.Parallel()
	nodes := startDeskCluster(t)
	a, b := nodes[1], nodes[2]
	if code, body := adminDo(t, b.Addr, deskToken, "PATCH", "/v0/admin/staff/ann", `{"capacity":2}`); code != 200 {
		t.Fatalf("ann's capacity on node 2: %d %v", code, body)
	}
	if code, body := adminDo(t, a.Addr, deskToken, "POST", "/v0/admin/teams", `{"name":"support"}`); code != 201 {
		t.Fatalf("team on node 1: %d %v", code, body)
	}
	if code, body := adminDo(t, a.Addr, deskToken, "POST", "/v0/admin/staff",
		`{"login":"dan","password":"pass123","role":"agent","teams":["support"],"capacity":3}`); code != 201 {
		t.Fatalf("staff on node 1: %d %v", code, body)
	}
	ann := staffLogin(t, nodes[0], "ann")
	dan := staffLogin(t, b, "dan") // node 2's directory knows dan only by the broadcast
	sue := staffLogin(t, b, "sue")
	untilDesk(t, sue, "the changes on the router", func(d msgT) bool {
		an, dn := deskAgent(d, ann.User), deskAgent(d, dan.User)
		return an != nil && an["capacity"] == float64(2) && dn != nil && dn["capacity"] == float64(3)
	})
	// Node 2 refuses the login of staff disabled through node 1.
	if code, body := adminDo(t, a.Addr, deskToken, "PATCH", "/v0/admin/staff/dan", `{"disabled":true}`); code != 200 {
		t.Fatalf("disabling dan on node 1: %d %v", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := b.Dial(t)
		c.Hi()
		ctrl := c.Login("dan", "pass123")
		c.Close()
		if ctrl.Code() != 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 2 still lets disabled dan in: %v", ctrl)
		}
		time.Sleep(50 * time.Millisecond) // polling node 2's directory, with a deadline
	}
}

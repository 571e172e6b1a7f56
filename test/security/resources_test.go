package security

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

type msg = servertest.Msg

// anonUser opens a session with a fresh anonymous account.
func anonUser(t *testing.T, p *servertest.Process) *servertest.Client {
	t.Helper()
	c := dial(t, p)
	c.Hi()
	id := c.ID()
	ctrl := c.Request(id, msg{"acc": msg{"id": id, "user": "new", "scheme": "anonymous", "login": true}})
	if ctrl.Code() != 200 {
		t.Fatalf("anonymous signup: %v", ctrl)
	}
	c.User, _ = ctrl.Get("params.user").(string)
	c.Token, _ = ctrl.Get("params.token").(string)
	return c
}

// newGroup creates a group owned by c, open to anyone, and returns its name.
func newGroup(t *testing.T, c *servertest.Client) string {
	t.Helper()
	id := c.ID()
	ctrl := c.Request(id, msg{"sub": msg{"id": id, "topic": "new" + id,
		"set": msg{"desc": msg{"defacs": msg{"auth": "JRWPS", "anon": "JRWPS"}}}}})
	name, _ := ctrl["topic"].(string)
	if ctrl.Code() != 200 || !strings.HasPrefix(name, "grp") {
		t.Fatalf("create group: %v", ctrl)
	}
	return name
}

// metric reads one unlabelled value from the server's /metrics.
func metric(t *testing.T, p *servertest.Process, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.Addr + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// Gets and subs on made-up group and user names are answered 404 and leave
// no topic actor behind: 12,000 of them from four connections used to take
// the server from 31 MB to about 1 GB.
func TestGhostTopics(t *testing.T) {
	p := startServer(t)
	clients := make([]*servertest.Client, 4)
	for i := range clients {
		clients[i] = anonUser(t, p)
	}
	heapBefore := metric(t, p, "go_memstats_heap_alloc_bytes")
	const perClient = 500
	last := make([]string, len(clients))
	for n := range perClient {
		for i, c := range clients {
			var frame msg
			id := c.ID()
			// Well-formed names nobody created: 11 base64url characters.
			name := fmt.Sprintf("%011d", n*len(clients)+i)
			switch n % 3 {
			case 0:
				frame = msg{"get": msg{"id": id, "topic": "grp" + name, "what": "desc sub data"}}
			case 1:
				frame = msg{"sub": msg{"id": id, "topic": "grp" + name}}
			default:
				frame = msg{"get": msg{"id": id, "topic": "usr" + name, "what": "desc"}}
			}
			c.Send(frame)
			last[i] = id
		}
	}
	for i, c := range clients {
		// Requests are answered in order: the last answer comes after the others.
		if ctrl := c.Ctrl(last[i]); ctrl.Code() != 404 {
			t.Fatalf("request on an unknown topic: %v, want 404", ctrl)
		}
	}
	if n := metric(t, p, "parley_topics"); n > 0 {
		t.Errorf("%v topic actors running after %d requests on unknown topics, want 0", n, 4*perClient)
	}
	grown := metric(t, p, "go_memstats_heap_alloc_bytes") - heapBefore
	t.Logf("heap grew by %.1f MB over %d requests on unknown topics", grown/(1<<20), 4*perClient)
	if grown > 64<<20 {
		t.Errorf("heap grew by %.0f MB over %d requests on unknown topics", grown/(1<<20), 4*perClient)
	}
}

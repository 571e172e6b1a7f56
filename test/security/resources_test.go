package security

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/server/servertest"
)

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

// flooder is an attacker's raw connection: it sends requests as fast as it
// likes and drains whatever comes back on a goroutine of its own, so the
// server never closes it as a slow consumer.
type flooder struct {
	conn  *websocket.Conn
	first chan struct{} // closed at the first {data} frame
	done  chan struct{} // closed when the connection ends
	err   error         // why it ended, once done is closed
}

// flood logs in with c's token on a new connection and attaches to topic.
func flood(t *testing.T, p *servertest.Process, token, topic string) *flooder {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+p.Addr+"/v0/channels", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &flooder{conn: conn, first: make(chan struct{}), done: make(chan struct{})}
	for _, m := range []msg{
		{"hi": msg{"id": "1", "ver": "0.25"}},
		{"login": msg{"id": "2", "scheme": "token", "secret": token}},
		{"sub": msg{"id": "3", "topic": topic}},
	} {
		f.send(t, m)
	}
	go f.drain()
	return f
}

func (f *flooder) send(t *testing.T, m msg) {
	t.Helper()
	b, _ := json.Marshal(m)
	if err := f.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatalf("flood: %v", err)
	}
}

func (f *flooder) drain() {
	defer close(f.done)
	seen := false
	for {
		_, b, err := f.conn.ReadMessage()
		if err != nil {
			f.err = err
			return
		}
		if !seen && strings.HasPrefix(string(b), `{"data"`) {
			seen = true
			close(f.first)
		}
	}
}

// timed returns how long fn took.
func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// median runs fn n times and returns the median duration.
func median(n int, fn func()) time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = timed(fn)
	}
	slices.Sort(ds)
	return ds[n/2]
}

// While one client floods the server with large history reads, another
// user's one-message read and a login finish in about the time they take
// on an idle server: the flood runs two reads at a time, has its own queue,
// and logins read through connections of their own. During 3,000 such reads
// a one-message read used to take 8.3 s and a login over 5 s.
func TestReadStarvation(t *testing.T) {
	p := startServer(t)
	attacker := anonUser(t, p)
	heavy := newGroup(t, attacker)
	big := strings.Repeat("x", 8<<10)
	for i := range 100 {
		if ctrl := attacker.Pub(heavy, big, ""); ctrl.Code() != 202 {
			t.Fatalf("pub %d: %v", i, ctrl)
		}
	}
	victim := dial(t, p)
	victim.Hi()
	if ctrl := victim.Signup("victim", "victim-password"); ctrl.Code() != 200 {
		t.Fatalf("signup: %v", ctrl)
	}
	own := newGroup(t, victim)
	victim.Pub(own, "hello", "")
	readOne := func() {
		id := victim.ID()
		victim.Send(msg{"get": msg{"id": id, "topic": own, "what": "data", "data": msg{"limit": 1}}})
		if ctrl := victim.Ctrl(id); ctrl.Code() != 208 {
			t.Fatalf("victim's read: %v", ctrl)
		}
	}
	login := func() {
		c := dial(t, p)
		c.Hi()
		if ctrl := c.Login("victim", "victim-password"); ctrl.Code() != 200 {
			t.Fatalf("login: %v", ctrl)
		}
	}
	readHeavy := func() {
		id := attacker.ID()
		attacker.Send(msg{"get": msg{"id": id, "topic": heavy, "what": "data", "data": msg{"limit": 100}}})
		attacker.Ctrl(id)
	}
	idleRead, idleLogin, idleHeavy := median(5, readOne), median(3, login), median(3, readHeavy)

	f := flood(t, p, attacker.Token, heavy)
	const reads = 300
	for i := range reads {
		f.send(t, msg{"get": msg{"id": strconv.Itoa(100 + i), "topic": heavy, "what": "data",
			"data": msg{"limit": 100}}})
	}
	select {
	case <-f.first:
	case <-f.done:
		t.Fatalf("the flooding connection ended before its first read: %v", f.err)
	case <-time.After(servertest.Timeout):
		t.Fatal("no history read reached the flooding connection")
	}
	loadedRead, loadedLogin := timed(readOne), timed(login)
	select {
	case <-f.done:
		t.Fatalf("the flood was over before the victim's requests were measured: %v", f.err)
	default:
	}
	t.Logf("idle: read %v, login %v, a 100-message page %v; during %d pages: read %v, login %v",
		idleRead, idleLogin, idleHeavy, reads, loadedRead, loadedLogin)
	// A free read slot is taken at once, but on a busy machine the victim's
	// requests still share the CPU with the pages being encoded and sent.
	// Before the gate both took over a second (without the race detector:
	// idle 0.3 ms and 2.6 ms, a page 18 ms).
	for _, c := range []struct {
		what         string
		idle, loaded time.Duration
	}{{"one-message read", idleRead, loadedRead}, {"login", idleLogin, loadedLogin}} {
		if bound := 20*c.idle + 10*idleHeavy; c.loaded > bound {
			t.Errorf("%s took %v during the flood, want at most %v (20 × %v idle + 10 × %v per page)",
				c.what, c.loaded, bound, c.idle, idleHeavy)
		}
	}
}

// One {datares} is one frame whatever it names: over 256 entries it is
// refused, and a topic named many times gets one acknowledgement, so the
// peer gets one {info}; a flood of stale acknowledgements never reaches the
// topic's queue, where it used to crowd out another member's pubs (503).
func TestDataResAmplification(t *testing.T) {
	p := startServer(t)
	owner, member := anonUser(t, p), anonUser(t, p)
	grp := newGroup(t, owner)
	if ctrl := member.Sub(grp); ctrl.Code() != 200 {
		t.Fatalf("join: %v", ctrl)
	}
	const n = 20
	for i := range n {
		owner.Pub(grp, strconv.Itoa(i), "")
	}
	datares := func(acks []msg) msg {
		id := member.ID()
		return member.Request(id, msg{"datares": msg{"id": id, "acks": acks}})
	}
	acks := make([]msg, 1500)
	for i := range acks {
		acks[i] = msg{"topic": grp, "seq": 1 + i%n}
	}
	if ctrl := datares(acks); ctrl.Code() != 400 {
		t.Fatalf("datares of 1500 acks: %v, want 400", ctrl)
	}
	if ctrl := datares(acks[:256]); ctrl.Code() != 200 {
		t.Fatalf("datares of 256 acks: %v, want 200", ctrl)
	}
	member.Send(msg{"note": msg{"topic": grp, "what": "kp"}})
	infos := 0
	owner.Until("info kp", func(m msg) bool {
		if m.Get("info.what") == "recv" {
			infos++
		}
		return m.Get("info.what") == "kp"
	})
	if infos != 1 {
		t.Fatalf("owner got %d recv infos for one datares, want 1", infos)
	}
	// Frames of thousands of stale acknowledgements, sent as fast as the
	// connection takes them, while the owner publishes.
	stale := make([]msg, 4000)
	for i := range stale {
		stale[i] = msg{"topic": grp, "seq": 1}
	}
	for range 20 {
		member.Send(msg{"datares": msg{"acks": stale}})
	}
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = owner.ID()
		owner.Send(msg{"pub": msg{"id": ids[i], "topic": grp, "content": i}})
	}
	for _, id := range ids {
		if ctrl := owner.Ctrl(id); ctrl.Code() != 202 {
			t.Fatalf("pub during a flood of stale acks: %v", ctrl)
		}
	}
}

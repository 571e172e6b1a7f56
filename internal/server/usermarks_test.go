package server_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/server/servertest"
)

// mark sends msg.mark and returns its ctrl.
func mark(c *servertest.Client, topic string, seq int, kind string, on bool) Msg {
	id := c.ID()
	return c.Request(id, Msg{"action": Msg{"id": id, "what": "msg.mark",
		"params": Msg{"topic": topic, "seq": seq, "mark": kind, "on": on}}})
}

// listMarks returns msg.marks's list for topic as [seq, mark] pairs.
func listMarks(t *testing.T, c *servertest.Client, topic string) [][2]any {
	t.Helper()
	id := c.ID()
	ctrl := c.Request(id, Msg{"action": Msg{"id": id, "what": "msg.marks", "params": Msg{"topic": topic}}})
	mustCode(t, "msg.marks", ctrl, 200)
	list, ok := ctrl.Get("params.marks").([]any)
	if !ok {
		t.Fatalf("msg.marks answered %v, want params.marks", ctrl)
	}
	out := [][2]any{}
	for _, m := range list {
		mm := Msg(m.(map[string]any))
		out = append(out, [2]any{mm.Int("seq"), mm.Get("mark")})
	}
	return out
}

// otherDevice opens another session of c's user, attached to "me".
func otherDevice(t *testing.T, srv *servertest.Server, c *servertest.Client) *servertest.Client {
	t.Helper()
	d := srv.Dial(t)
	d.Hi()
	mustCode(t, "token login", d.LoginToken(c.Token), 200)
	d.Token = c.Token
	mustCode(t, "sub me", d.Sub("me"), 200)
	return d
}

// noMarkInfo reads c's frames up to the answer of a ping and fails on any
// {info what=mark} among them.
func noMarkInfo(t *testing.T, who string, c *servertest.Client) {
	t.Helper()
	id := c.ID()
	c.Send(Msg{"action": Msg{"id": id, "what": "ping"}})
	for {
		m := c.Read()
		if m.Get("info.what") == "mark" {
			t.Fatalf("%s was pushed another user's mark: %v", who, m)
		}
		if m.Get("ctrl.id") == id {
			return
		}
	}
}

// Marks are the user's own: set on one device, they are pushed to the
// user's other sessions on "me", and a device that was away lists them on
// its return; another member of the topic is never pushed them and lists
// only their own.
func TestMarksConverge(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a1, b := anon(t, srv), anon(t, srv)
	g := group(t, a1, b)
	mustCode(t, "a1 sub me", a1.Sub("me"), 200)
	mustCode(t, "b sub me", b.Sub("me"), 200)
	for i := range 3 {
		mustCode(t, "pub", a1.Pub(g, "m"+strconv.Itoa(i), ""), 202)
	}
	a2 := otherDevice(t, srv, a1)

	mustCode(t, "star 2", mark(a1, g, 2, "star", true), 200)
	own := a1.Until("own info mark", func(m Msg) bool { return m.Get("info.what") == "mark" }).Obj("info")
	if own.Int("seq") != 2 || own.Get("payload.on") != true {
		t.Fatalf("the marking session got %v, want its own mark pushed too", own)
	}
	info := a2.Until("info mark", func(m Msg) bool { return m.Get("info.what") == "mark" }).Obj("info")
	if info.Get("topic") != "me" || info.Get("src") != g || info.Int("seq") != 2 ||
		info.Get("payload.mark") != "star" || info.Get("payload.on") != true {
		t.Fatalf("second device got %v, want mark star on %s seq 2", info, g)
	}
	mustCode(t, "star 2 again", mark(a1, g, 2, "star", true), 200) // no change, no push

	// The second device goes away; meanwhile the first changes the set.
	a2.Close()
	mustCode(t, "flag 3", mark(a1, g, 3, "flag", true), 200)
	mustCode(t, "flag 1", mark(a1, g, 1, "flag", true), 200)
	mustCode(t, "unstar 2", mark(a1, g, 2, "star", false), 200)
	mustCode(t, "unstar 2 again", mark(a1, g, 2, "star", false), 200)

	a2 = otherDevice(t, srv, a1)
	want := [][2]any{{1, "flag"}, {3, "flag"}}
	if got := listMarks(t, a2, g); !reflect.DeepEqual(got, want) {
		t.Fatalf("returning device lists %v, want %v", got, want)
	}
	if got := listMarks(t, a1, g); !reflect.DeepEqual(got, want) {
		t.Fatalf("first device lists %v, want %v", got, want)
	}
	// Live again: a change reaches the returned device.
	mustCode(t, "unflag 1", mark(a1, g, 1, "flag", false), 200)
	info = a2.Until("info mark", func(m Msg) bool { return m.Get("info.what") == "mark" }).Obj("info")
	if info.Int("seq") != 1 || info.Get("payload.on") != false {
		t.Fatalf("returned device got %v, want flag 1 off", info)
	}
	// The action's own topic field names the topic as well.
	id := a2.ID()
	mustCode(t, "mark by action.topic", a2.Request(id, Msg{"action": Msg{"id": id, "topic": g, "what": "msg.mark",
		"params": Msg{"seq": 2, "mark": "star", "on": true}}}), 200)
	for _, c := range []*servertest.Client{a1, a2} {
		c.Until("info mark", func(m Msg) bool { return m.Get("info.what") == "mark" && m.Int("info.seq") == 2 })
	}

	// The other member: nothing pushed, nothing listed, own marks apart.
	noMarkInfo(t, "the other member", b)
	if got := listMarks(t, b, g); len(got) != 0 {
		t.Fatalf("the other member lists %v, want none", got)
	}
	mustCode(t, "b stars 3", mark(b, g, 3, "star", true), 200)
	if got := listMarks(t, a1, g); !reflect.DeepEqual(got, [][2]any{{2, "star"}, {3, "flag"}}) {
		t.Fatalf("after the other member's star the user lists %v", got)
	}
	noMarkInfo(t, "the user", a2)

	// One-to-one: each side names the topic by the peer.
	p2p(t, a1, b)
	mustCode(t, "p2p pub", a1.Pub(b.User, "hi", ""), 202)
	mustCode(t, "p2p star", mark(a2, b.User, 1, "star", true), 200)
	if got := listMarks(t, a1, b.User); !reflect.DeepEqual(got, [][2]any{{1, "star"}}) {
		t.Fatalf("p2p marks %v", got)
	}
	if got := listMarks(t, b, a1.User); len(got) != 0 {
		t.Fatalf("the peer lists %v, want none", got)
	}
	noMarkInfo(t, "the peer", b)
}

// Bad input is refused with the documented codes, and nothing is kept.
func TestMarksRefused(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a, b, stranger := anon(t, srv), anon(t, srv), anon(t, srv)
	nowhere := proto.GroupName(12345)
	g := group(t, a, b)
	mustCode(t, "pub", a.Pub(g, "one", ""), 202)

	c := srv.Dial(t)
	c.Hi()
	mustCode(t, "before login", c.Request("1", Msg{"action": Msg{"id": "1", "what": "msg.mark"}}), 401)

	for _, tc := range []struct {
		name   string
		params any
		code   int
	}{
		{"unknown mark", Msg{"topic": g, "seq": 1, "mark": "like", "on": true}, 400},
		{"no on", Msg{"topic": g, "seq": 1, "mark": "star"}, 400},
		{"on not a bool", Msg{"topic": g, "seq": 1, "mark": "star", "on": "yes"}, 400},
		{"seq 0", Msg{"topic": g, "seq": 0, "mark": "star", "on": true}, 400},
		{"seq past the last", Msg{"topic": g, "seq": 2, "mark": "star", "on": true}, 400},
		{"params not an object", []int{1}, 400},
		{"no topic", Msg{"seq": 1, "mark": "star", "on": true}, 400},
		{"me", Msg{"topic": "me", "seq": 1, "mark": "star", "on": true}, 400},
		{"oneself", Msg{"topic": a.User, "seq": 1, "mark": "star", "on": true}, 400},
		{"unknown group", Msg{"topic": nowhere, "seq": 1, "mark": "star", "on": true}, 404},
		{"no p2p topic yet", Msg{"topic": stranger.User, "seq": 1, "mark": "star", "on": true}, 404},
	} {
		id := a.ID()
		ctrl := a.Request(id, Msg{"action": Msg{"id": id, "what": "msg.mark", "params": tc.params}})
		mustCode(t, tc.name, ctrl, tc.code)
	}
	id := a.ID()
	mustCode(t, "topics differ", a.Request(id, Msg{"action": Msg{"id": id, "topic": g, "what": "msg.mark",
		"params": Msg{"topic": nowhere, "seq": 1, "mark": "star", "on": true}}}), 400)
	mustCode(t, "not a member", mark(stranger, g, 1, "star", true), 403)
	id = stranger.ID()
	mustCode(t, "not a member lists", stranger.Request(id, Msg{"action": Msg{"id": id, "what": "msg.marks",
		"params": Msg{"topic": g}}}), 403)
	// A member without R.
	id = a.ID()
	mustCode(t, "take b's R", a.Request(id, Msg{"set": Msg{"id": id, "topic": g,
		"sub": Msg{"user": b.User, "mode": "JWP"}}}), 200)
	mustCode(t, "member without R", mark(b, g, 1, "star", true), 403)
	if got := listMarks(t, a, g); len(got) != 0 {
		t.Fatalf("refused marks were kept: %v", got)
	}
}

// A user holds at most 1000 marks on a topic: the next is refused with
// 422, while changing marks already set still works.
func TestMarksLimit(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a := anon(t, srv)
	g := group(t, a)
	const n = 500
	for i := 1; i <= n; i++ {
		a.Send(Msg{"pub": Msg{"id": "p" + strconv.Itoa(i), "topic": g, "content": i}})
	}
	mustCode(t, "last pub", a.Ctrl("p"+strconv.Itoa(n)), 202)
	for i := 1; i <= n; i++ {
		for _, kind := range []string{"star", "flag"} {
			a.Send(Msg{"action": Msg{"id": "m" + strconv.Itoa(i) + kind, "what": "msg.mark",
				"params": Msg{"topic": g, "seq": i, "mark": kind, "on": true}}})
		}
	}
	for i := 1; i <= n; i++ { // one by one: each waits for its commit
		for _, kind := range []string{"star", "flag"} {
			mustCode(t, "mark", a.Ctrl("m"+strconv.Itoa(i)+kind), 200)
		}
	}
	mustCode(t, "set again at the limit", mark(a, g, 1, "star", true), 200)
	mustCode(t, "extra pub", a.Pub(g, "extra", ""), 202)
	mustCode(t, "the 1001st mark", mark(a, g, n+1, "star", true), 422)
	mustCode(t, "clear one", mark(a, g, 1, "star", false), 200)
	mustCode(t, "the freed place", mark(a, g, n+1, "star", true), 200)
	mustCode(t, "full again", mark(a, g, n+1, "flag", true), 422)
	if got := listMarks(t, a, g); len(got) != 1000 {
		t.Fatalf("lists %d marks, want 1000", len(got))
	}
}

// Two devices changing one mark at once end with the state the store
// kept: the pushes reach every session in the order the store made the
// changes, the changing sessions' own included.
func TestMarksRacingDevices(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a1 := anon(t, srv)
	g := group(t, a1)
	mustCode(t, "pub", a1.Pub(g, "one", ""), 202)
	mustCode(t, "pub", a1.Pub(g, "two", ""), 202)
	mustCode(t, "sub me", a1.Sub("me"), 200)
	a2 := otherDevice(t, srv, a1)
	devices := []*servertest.Client{a1, a2}
	const n = 60
	for d, c := range devices {
		for i := range n {
			c.Send(Msg{"action": Msg{"id": "r" + strconv.Itoa(i), "what": "msg.mark",
				"params": Msg{"topic": g, "seq": 1, "mark": "star", "on": (i+d)%2 == 0}}})
		}
	}
	state := make([]any, len(devices))
	record := func(d int, m Msg) {
		if m.Get("info.what") == "mark" && m.Int("info.seq") == 1 {
			state[d] = m.Get("info.payload.on")
		}
	}
	// Each answer gets its own deadline: the 2×n writes are serial in the
	// store, so one deadline for all of them fails on a loaded machine.
	for d, c := range devices {
		for answered := 0; answered < n; {
			c.Until("an answer", func(m Msg) bool {
				record(d, m)
				id, _ := m.Get("ctrl.id").(string)
				return strings.HasPrefix(id, "r")
			})
			answered++
		}
	}
	// A later change is pushed behind all of those.
	id := a1.ID()
	a1.Send(Msg{"action": Msg{"id": id, "what": "msg.mark", "params": Msg{"topic": g, "seq": 2, "mark": "flag", "on": true}}})
	for d, c := range devices {
		c.Until("the later push", func(m Msg) bool {
			record(d, m)
			return m.Get("info.what") == "mark" && m.Int("info.seq") == 2
		})
	}
	stored := false
	for _, m := range listMarks(t, a1, g) {
		stored = stored || m == [2]any{1, "star"}
	}
	for d := range devices {
		if state[d] != stored {
			t.Errorf("device %d ends with star %v, the store with %v", d+1, state[d], stored)
		}
	}
}

package session_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// replyTimeout bounds the wait for the answer to a request with an id. It
// is a safety net, not a pause: replies normally arrive within milliseconds,
// and the wait ends as soon as one does.
const replyTimeout = 5 * time.Second

// Users created once per fuzz process. Seeds name them, the group and the
// tokens with placeholders, since ids of new groups and tokens differ per run.
var (
	fuzzAlice = proto.Uid(1) // usrAQAAAAAAAAA, basic login alice:alice123
	fuzzBob   = proto.Uid(2) // usrAgAAAAAAAAA, no login; token only
)

type fuzzEnv struct {
	deps  *session.Deps
	cfg   *session.Config
	subst *strings.Replacer
}

// newFuzzEnv opens a store, a hub and the fixture users and group, once.
func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	st, err := sqlite.Open(tb.TempDir()+"/f.db", sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h := hub.New(st, hub.DefaultLimits, log)
	tb.Cleanup(func() {
		h.Shutdown()
		st.Close()
	})
	tokens := auth.NewTokens([]byte("fuzz-session-receive-token-key!!"), time.Hour)
	env := &fuzzEnv{
		deps: &session.Deps{Hub: h, Users: st, Tokens: tokens, Log: log},
		cfg: &session.Config{Version: "0.25", Build: "fuzz", MaxMessageSize: 4096, MaxSubscribers: 16,
			MaxTopics: 8, OutboxBytes: 1 << 20, RatePerSecond: 1e6, RateBurst: 1 << 20},
	}
	// A cheap bcrypt cost keeps basic logins fast; the check is the same.
	hash, err := bcrypt.GenerateFromPassword([]byte("alice123"), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC().Round(time.Millisecond)
	for _, u := range []struct {
		id  proto.Uid
		rec *store.AuthRecord
	}{
		{fuzzAlice, &store.AuthRecord{Unique: auth.BasicUnique("alice"), UserID: fuzzAlice, Scheme: "basic",
			AuthLevel: store.AuthAuth, Secret: hash}},
		{fuzzBob, nil},
	} {
		user := &store.User{ID: u.id, CreatedAt: now, UpdatedAt: now, Public: json.RawMessage(`{"fn":"x"}`),
			Access: store.DefaultAccess{Auth: proto.ModeCAuth, Anon: proto.ModeNone}}
		if err := st.CreateUser(context.Background(), user, u.rec); err != nil {
			tb.Fatal(err)
		}
	}
	aliceToken, _ := tokens.Issue(fuzzAlice, store.AuthAuth, 0)
	bobToken, _ := tokens.Issue(fuzzBob, store.AuthAuth, 0)
	env.subst = strings.NewReplacer("$ALICE", fuzzAlice.UserID(), "$BOB", fuzzBob.UserID(),
		"$TOKEN", aliceToken, "$BTOKEN", bobToken)

	// Alice owns a group that authenticated users may join.
	r := env.run(tb)
	r.send(`{"hi":{"id":"h","ver":"0.25"}}`)
	r.send(`{"login":{"id":"l","scheme":"token","secret":"$TOKEN"}}`)
	grp := ""
	for _, f := range r.send(`{"sub":{"id":"g","topic":"newgrp","set":{"desc":{"defacs":{"auth":"JRWPS","anon":"N"}}}}}`) {
		var m struct{ Ctrl *proto.MsgServerCtrl }
		if json.Unmarshal(f, &m) == nil && m.Ctrl != nil && m.Ctrl.ID == "g" {
			if m.Ctrl.Code != 200 {
				tb.Fatalf("create group: %s", f)
			}
			grp = m.Ctrl.Topic
		}
	}
	r.send(`{"pub":{"id":"p","topic":"` + grp + `","content":"first"}}`)
	r.end()
	if !proto.IsGroupName(grp) {
		tb.Fatalf("create group: got topic %q", grp)
	}
	env.subst = strings.NewReplacer("$ALICE", fuzzAlice.UserID(), "$BOB", fuzzBob.UserID(),
		"$TOKEN", aliceToken, "$BTOKEN", bobToken, "$GRP", grp)
	return env
}

// run is one session fed frames by a test.
type run struct {
	tb     testing.TB
	env    *fuzzEnv
	s      *session.Session
	closed bool
}

func (e *fuzzEnv) run(tb testing.TB) *run {
	return &run{tb: tb, env: e, s: session.New(e.deps, e.cfg, session.KindWebSocket, "fuzz")}
}

// send gives the session one frame, with placeholders filled in, and
// returns what it sent back: everything queued so far and, for a request
// with an id, at least the first reply carrying that id.
//
// A request that is not valid text (proto.ValidText) must be refused with
// 400 and nothing else: stored, it would be pushed to every reader, and
// standards-compliant clients drop a connection on such a frame.
func (r *run) send(frame string) [][]byte {
	b := []byte(r.env.subst.Replace(frame))
	r.s.Receive(b)
	id, badText := "", false
	if string(b) != "1" {
		m, err := proto.DecodeClient(b)
		switch {
		case err == nil:
			id = m.ID()
		case errors.Is(err, proto.ErrInvalidText):
			id, badText = m.ID(), true
		}
	}
	got := r.collect(id)
	if badText && id != "" && !r.closed {
		if code := replyCode(got, id); code != proto.CodeMalformed {
			r.tb.Fatalf("request %q that is not valid UTF-8 answered %d, want 400: %q", b, code, got)
		}
	}
	return got
}

// replyCode is the code of the first ctrl answering id in frames, or 0.
func replyCode(frames [][]byte, id string) int {
	for _, f := range frames {
		var m struct {
			Ctrl *struct {
				ID   string `json:"id"`
				Code int    `json:"code"`
			} `json:"ctrl"`
		}
		if json.Unmarshal(f, &m) == nil && m.Ctrl != nil && m.Ctrl.ID == id {
			return m.Ctrl.Code
		}
	}
	return 0
}

// collect drains the outbox, checking every frame, until a frame answering
// id has arrived (at once when id is empty) or the session is closing.
func (r *run) collect(id string) [][]byte {
	r.tb.Helper()
	var got [][]byte
	var deadline <-chan time.Time
	for {
		frames, bye := r.s.Drain(0)
		answered := id == ""
		for _, f := range frames {
			if checkServerFrame(r.tb, f) == id {
				answered = true
			}
		}
		got = append(got, frames...)
		if bye != nil {
			r.closed = true
		}
		if answered || r.closed {
			return got
		}
		if deadline == nil {
			t := time.NewTimer(replyTimeout)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-r.s.Ready():
		case <-deadline:
			r.tb.Fatalf("no reply to the request with id %q within %v; got %q", id, replyTimeout, got)
		}
	}
}

// end closes the session and checks what was still queued.
func (r *run) end() {
	r.s.End()
	frames, bye := r.s.Drain(0)
	for _, f := range frames {
		checkServerFrame(r.tb, f)
	}
	if bye == nil {
		r.tb.Fatalf("no close reason after End")
	}
	r.s.End() // a second End is harmless
	r.s.Receive([]byte(`{"hi":{"id":"late"}}`))
	if frames, _ := r.s.Drain(0); len(frames) != 0 {
		r.tb.Fatalf("frames queued after End: %q", frames)
	}
}

// serverKinds are the messages a server may send.
var serverKinds = map[string]bool{"ctrl": true, "data": true, "meta": true, "pres": true, "info": true}

// checkServerFrame fails unless f is the probe answer or one well-formed
// server message, and returns the id of a ctrl or meta.
func checkServerFrame(tb testing.TB, f []byte) string {
	tb.Helper()
	if string(f) == "0" {
		return ""
	}
	if !json.Valid(f) || !utf8.Valid(f) {
		tb.Fatalf("server frame is not UTF-8 JSON: %q", f)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(f, &top); err != nil {
		tb.Fatalf("server frame is not an object: %q", f)
	}
	if len(top) != 1 {
		tb.Fatalf("server frame has %d messages, want 1: %s", len(top), f)
	}
	var kind string
	for k := range top {
		kind = k
	}
	if !serverKinds[kind] {
		tb.Fatalf("server frame is a %q message: %s", kind, f)
	}
	var body map[string]any
	if err := json.Unmarshal(top[kind], &body); err != nil {
		tb.Fatalf("server %s is not an object: %s", kind, f)
	}
	if kind == "ctrl" {
		code, ok := body["code"].(float64)
		if !ok || code != float64(int(code)) || code < 100 || code > 599 {
			tb.Fatalf("ctrl without a valid code: %s", f)
		}
	}
	if kind == "ctrl" || kind == "data" || kind == "meta" {
		if _, ok := body["ts"].(string); !ok {
			tb.Fatalf("%s without ts: %s", kind, f)
		}
	}
	if err := checkDates(body, ""); err != nil {
		tb.Fatalf("%v in %s", err, f)
	}
	id, _ := body["id"].(string)
	if kind != "ctrl" && kind != "meta" {
		id = ""
	}
	return id
}

// sdkDateKeys are the keys whose string values tinode-sdk turns into dates,
// which it does only for strings of 20–24 characters.
var sdkDateKeys = map[string]bool{"ts": true, "touched": true, "updated": true, "created": true, "when": true,
	"deleted": true, "expires": true}

// clientData are keys under which the server repeats what clients wrote.
var clientData = map[string]bool{"public": true, "private": true, "trusted": true, "content": true,
	"head": true, "payload": true}

// checkDates checks the timestamps the server writes: every string under a
// date key, outside client-written data, is a millisecond UTC RFC 3339 time
// that tinode-sdk will parse.
func checkDates(v any, key string) error {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if clientData[k] {
				continue
			}
			if err := checkDates(x, k); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := checkDates(x, key); err != nil {
				return err
			}
		}
	case string:
		if !sdkDateKeys[key] {
			return nil
		}
		if n := len(v); n < 20 || n > 24 || !strings.HasSuffix(v, "Z") {
			return fmt.Errorf("timestamp %s=%q is not 20–24 characters ending in Z", key, v)
		}
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			return fmt.Errorf("timestamp %s=%q: %v", key, v, err)
		}
	}
	return nil
}

// Preludes put a fresh session in a state before the fuzzed frames.
var preludes = [][]string{
	nil, // nothing: the frames must say hi themselves
	{`{"hi":{"id":"h","ver":"0.25","ua":"fuzz/1"}}`},
	{`{"hi":{"id":"h","ver":"0.25"}}`, `{"login":{"id":"l","scheme":"token","secret":"$TOKEN"}}`},
	{`{"hi":{"id":"h","ver":"0.25"}}`, `{"login":{"id":"l","scheme":"token","secret":"$BTOKEN"}}`},
}

// sessionSeeds are newline-separated frames, each with the prelude to run first.
var sessionSeeds = []struct {
	prelude uint8
	frames  string
}{
	{0, `{"hi":{"id":"1","ver":"0.25","ua":"tinodejs/0.25.3"}}
{"acc":{"id":"2","user":"new","scheme":"anonymous","login":true,"desc":{"public":{"fn":"Anon"},"defacs":{"auth":"JRWP","anon":"N"}},"tags":["t1"]}}
{"sub":{"id":"3","topic":"me","get":{"what":"desc sub tags cred"}}}
{"get":{"id":"4","topic":"me","what":"sub","sub":{"ims":"2026-01-01T00:00:00Z"}}}
{"leave":{"id":"5","topic":"me"}}`},
	{0, `{"hi":{"id":"1","ver":"0.25"}}
{"login":{"id":"2","scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM="}}
{"sub":{"id":"3","topic":"me","get":{"what":"desc sub"}}}
{"login":{"id":"4","scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM="}}`},
	{0, `{"hi":{"id":"1"}}
{"login":{"id":"2","scheme":"basic","secret":"YWxpY2U6d3Jvbmc="}}
{"login":{"id":"3","scheme":"basic","secret":"bm9ib2R5OnBhc3M="}}
{"login":{"id":"4","scheme":"token","secret":"AAAA"}}
{"login":{"id":"5","scheme":"rest"}}
{"acc":{"id":"6","user":"new","scheme":"basic","secret":"YWxpY2U6YWxpY2UxMjM="}}
{"acc":{"id":"7","user":"new","scheme":"basic","secret":"eDp5"}}
{"acc":{"id":"8","user":"usrAQAAAAAAAAA","scheme":"basic"}}
{"acc":{"id":"9","user":"new","scheme":"anonymous"}}`},
	{0, `1
{"pub":{"id":"1","topic":"me","content":"before hi"}}
{"note":{"topic":"me","what":"kp"}}
{"hi":{"id":"2","ver":"0.19"}}
{"hi":{"id":"3","ver":"x.y"}}
{"hi":{"id":"4","ver":"0.25"}}
{"hi":{"id":"5","ver":"0.25"}}
{"sub":{"id":"6","topic":"me"}}
not json
{}
{"hi":{},"sub":{"topic":"me"}}
{"unknown":{"id":"7"}}`},
	{2, `{"sub":{"id":"1","topic":"$BOB","get":{"what":"desc sub data","data":{"limit":5}}}}
{"pub":{"id":"2","topic":"$BOB","head":{"mime":"text/x-drafty","msgid":"m-1"},"content":{"txt":"hi <b>&"}}}
{"pub":{"id":"3","topic":"$BOB","head":{"msgid":"m-1"},"content":"dup"}}
{"get":{"id":"4","topic":"$BOB","what":"data del","data":{"since":1,"before":100},"del":{"limit":10}}}
{"note":{"topic":"$BOB","what":"recv","seq":1}}
{"note":{"topic":"$BOB","what":"read","seq":1}}
{"note":{"topic":"$BOB","what":"kp"}}
{"del":{"id":"5","topic":"$BOB","what":"msg","delseq":[{"low":1,"hi":2}]}}
{"leave":{"id":"6","topic":"$BOB"}}`},
	{3, `{"sub":{"id":"1","topic":"$ALICE"}}
{"sub":{"id":"1b","topic":"$ALICE"}}
{"pub":{"id":"2","topic":"$ALICE","content":"from bob","noecho":true}}
{"datares":{"id":"3","acks":[{"topic":"$ALICE","seq":1},{"topic":"$ALICE","ranges":[{"low":1,"hi":3}]}]}}
{"set":{"id":"4","topic":"$ALICE","sub":{"mode":"-W"}}}
{"leave":{"id":"5","topic":"$ALICE","unsub":true}}`},
	{3, `{"sub":{"id":"1","topic":"$GRP","get":{"what":"desc sub data"}}}
{"pub":{"id":"2","topic":"$GRP","content":{"txt":"bob in group"}}}
{"set":{"id":"3","topic":"$GRP","desc":{"public":{"fn":"renamed"}}}}
{"set":{"id":"4","topic":"$GRP","sub":{"user":"$ALICE","mode":"+O"}}}
{"del":{"id":"5","topic":"$GRP","what":"topic","hard":true}}
{"leave":{"id":"6","topic":"$GRP","unsub":true}}`},
	{2, `{"sub":{"id":"1","topic":"$GRP","get":{"what":"sub desc"}}}
{"set":{"id":"2","topic":"$GRP","sub":{"user":"$BOB","mode":"JRWPAS"}}}
{"set":{"id":"3","topic":"$GRP","desc":{"defacs":{"auth":"JRWP","anon":"N"}},"tags":["x","y"]}}
{"set":{"id":"4","topic":"$GRP","sub":{"user":"$BOB","mode":"+X"}}}
{"get":{"id":"5","topic":"$GRP","what":"tags aux cred bogus"}}
{"get":{"id":"6","topic":"$GRP","what":""}}
{"del":{"id":"7","topic":"$GRP","what":"sub","user":"$BOB"}}
{"del":{"id":"8","topic":"$GRP","what":"msg","delseq":[{"low":0,"hi":1000000000}],"hard":true}}`},
	{2, `{"sub":{"id":"1","topic":"newABC","set":{"desc":{"public":{"fn":"g"},"defacs":{"auth":"JRWPS"}},"sub":{"mode":"JRWPASDO"},"tags":["tag1"]},"get":{"what":"desc"}}}
{"sub":{"id":"2","topic":"nchXYZ"}}
{"sub":{"id":"3","topic":"$ALICE"}}
{"sub":{"id":"4","topic":"usrAQAAAAAAAAB"}}
{"sub":{"id":"5","topic":"usrnotanid"}}
{"sub":{"id":"6","topic":"grpAAAAAAAAAAA"}}
{"sub":{"id":"7","topic":"fnd"}}
{"sub":{"id":"8","topic":"sys"}}
{"sub":{"id":"9","topic":""}}
{"pub":{"id":"10","topic":"grpnotattached","content":1}}
{"leave":{"id":"11","topic":"grpnotattached"}}`},
	{2, `{"action":{"id":"1","topic":"$GRP","what":"order.paid","params":{"n":1}}}
{"del":{"id":"2","what":"user","user":"$BOB"}}
{"del":{"id":"3","what":"cred","cred":{"meth":"email"}}}
{"datares":{"acks":[{"topic":"nowhere","seq":5}]}}
{"note":{"topic":"nowhere","what":"read","seq":99}}
{"acc":{"id":"4","user":"new","scheme":"anonymous","login":true}}
{"login":{"id":"5","scheme":"token","secret":"$TOKEN"}}
{"sub":{"id":"6","topic":"me"}}
{"get":{"id":"6d","topic":"me","what":"data"}}
{"get":{"id":"6e","topic":"me","what":"del"}}
{"get":{"id":"7","topic":"me","what":"desc sub data"}}
{"set":{"id":"8","topic":"me","desc":{"public":{"fn":"Alice"}}}}`},
	{1, `{"login":{"id":"1","scheme":"token","secret":"$TOKEN"},"extra":{"obo":"$BOB"}}
{"pub":{"id":"2","topic":"$BOB","content":"` + strings.Repeat("x", 5000) + `"}}
{"sub":{"id":"3","topic":"$BOB","get":{"what":"data","data":{"since":-5,"before":-1,"limit":-3,"ranges":[{"low":5,"hi":1}]}}}}`},
	// Text that is not UTF-8, or escapes no UTF-8 can hold, in every field a
	// reader is later sent: content, head, cards, tags, msgids.
	{2, "{\"sub\":{\"id\":\"1\",\"topic\":\"$GRP\"}}\n" +
		"{\"pub\":{\"id\":\"2\",\"topic\":\"$GRP\",\"content\":\"a\xffb\"}}\n" +
		"{\"pub\":{\"id\":\"3\",\"topic\":\"$GRP\",\"head\":{\"mime\":\"\xc3\"},\"content\":{\"txt\":\"x\"}}}\n" +
		"{\"pub\":{\"id\":\"4\",\"topic\":\"$GRP\",\"head\":{\"msgid\":\"\xed\xa0\x80\"},\"content\":\"y\"}}\n" +
		`{"pub":{"id":"5","topic":"$GRP","content":"\udc80"}}` + "\n" +
		"{\"set\":{\"id\":\"6\",\"topic\":\"$GRP\",\"desc\":{\"public\":{\"fn\":\"\xfe\"},\"private\":\"\x80\"}}}\n" +
		"{\"set\":{\"id\":\"7\",\"topic\":\"me\",\"desc\":{\"public\":{\"fn\":\"\xf8\x88\"}},\"tags\":[\"t\xff\"]}}\n" +
		"{\"pub\":{\"id\":\"8\",\"topic\":\"$GRP\",\"head\":{\"msgid\":\"esc\x1b[2J\"},\"content\":\"z\"}}\n" +
		`{"get":{"id":"9","topic":"$GRP","what":"desc data"}}`},
	{0, "{\"hi\":{\"id\":\"1\",\"ver\":\"0.25\",\"ua\":\"\xff\"}}\n{\"acc\":{\"id\":\"2\",\"user\":\"new\",\"scheme\":\"anonymous\",\"login\":true,\"desc\":{\"public\":\"\\ud800x\"}}}"},
}

// FuzzSessionReceive feeds a real session, over a real hub and SQLite
// store, arbitrary frames (one per line). Nothing may panic, every frame the
// session sends back must be one valid server message (or the probe answer
// "0") with timestamps tinode-sdk can read, and every request with an id
// must be answered.
//
// Each input runs a whole session, so executions are slow next to the proto
// targets, and the fuzzer's default minimisation budget (60s per new input)
// can swallow a short run. Bound it:
//
//	go test -run '^$' -fuzz FuzzSessionReceive -fuzztime 20000x -fuzzminimizetime 10x ./internal/session/
func FuzzSessionReceive(f *testing.F) {
	env := newFuzzEnv(f)
	for _, s := range sessionSeeds {
		f.Add(s.prelude, []byte(s.frames))
	}
	f.Fuzz(func(t *testing.T, prelude uint8, frames []byte) {
		r := env.run(t)
		defer r.s.End()
		for _, p := range preludes[int(prelude)%len(preludes)] {
			r.send(p)
		}
		for _, frame := range bytes.Split(frames, []byte{'\n'}) {
			r.send(string(frame))
		}
		r.end()
	})
}

package server_test

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// Wire transcripts (testdata/wire/*.txt) are scripted conversations between
// raw WebSocket clients and a real server. One line per step:
//
//	# comment                blank lines and comments are ignored
//	A> {json}                client A sends the frame (any text, sent as is
//	                         after placeholders are expanded: see expandSend)
//	A< {json}                the next frame A receives must be this one
//	A<~ {json}               consecutive A<~ lines: the next frames A
//	                         receives must be these, in any order (for frames
//	                         from different topics, which race)
//	!restart                 the server restarts over the same data; every
//	                         connection is gone and clients dial again
//
// A line starting with a space or tab continues the frame above it. A client
// letter used for the first time dials a new connection.
//
// Received frames are normalised (see normalise) and compared with the
// expected one for exact JSON equality, key order aside. Online presence
// ({pres what=on|off}) is announced by a goroutine at login, at a moment no
// script can pin, so the runner drops those frames.
//
// Every script runs twice on one shared server, concurrently with the other
// scripts, with accounts unique to each run; a script with !restart runs
// once, on a server of its own.

func TestWireTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "wire", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	shared := servertest.Start(t)
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		script := parseScript(t, filepath.Base(file), f)
		f.Close()
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			passes := 2
			if script.restarts {
				passes = 1 // a fresh server each time: nothing to repeat on
			}
			for pass := 1; pass <= passes; pass++ {
				ok := t.Run(fmt.Sprintf("run%d", pass), func(t *testing.T) {
					srv := shared
					if script.restarts {
						srv = servertest.Start(t)
					}
					runScript(t, srv, script)
				})
				if !ok {
					return
				}
			}
		})
	}
}

type stepKind int

const (
	stepSend stepKind = iota
	stepExpect
	stepExpectAny
	stepRestart
)

type step struct {
	where  string // file:line
	client string
	kind   stepKind
	text   string
}

type script struct {
	steps    []step
	restarts bool
}

// parseScript reads a transcript; name is used in messages.
func parseScript(t testing.TB, name string, r io.Reader) *script {
	t.Helper()
	sc := &script{}
	in := bufio.NewScanner(r)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; in.Scan(); n++ {
		line := in.Text()
		where := fmt.Sprintf("%s:%d", name, n)
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case line[0] == ' ' || line[0] == '\t':
			last := len(sc.steps) - 1
			if last < 0 || (sc.steps[last].kind != stepSend && sc.steps[last].kind != stepExpect && sc.steps[last].kind != stepExpectAny) {
				t.Fatalf("%s: continuation line without a frame above", where)
			}
			sc.steps[last].text += " " + trimmed
		case trimmed == "!restart":
			sc.steps = append(sc.steps, step{where: where, kind: stepRestart})
			sc.restarts = true
		default:
			sc.steps = append(sc.steps, parseStep(t, where, line))
		}
	}
	if err := in.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range sc.steps {
		if (s.kind == stepExpect || s.kind == stepExpectAny) && !json.Valid([]byte(s.text)) {
			t.Fatalf("%s: expected frame is not valid JSON: %s", s.where, s.text)
		}
	}
	return sc
}

func parseStep(t testing.TB, where, line string) step {
	t.Helper()
	i := 0
	for i < len(line) && (line[i] >= 'A' && line[i] <= 'Z' || i > 0 && line[i] >= '0' && line[i] <= '9') {
		i++
	}
	if i == 0 {
		t.Fatalf("%s: a step starts with a client name (A, B, C…): %q", where, line)
	}
	s := step{where: where, client: line[:i]}
	rest := line[i:]
	switch {
	case strings.HasPrefix(rest, "<~"):
		s.kind, s.text = stepExpectAny, rest[2:]
	case strings.HasPrefix(rest, "<"):
		s.kind, s.text = stepExpect, rest[1:]
	case strings.HasPrefix(rest, ">"):
		s.kind, s.text = stepSend, rest[1:]
	default:
		t.Fatalf("%s: unknown step %q", where, line)
	}
	s.text = strings.TrimPrefix(s.text, " ")
	return s
}

// runCount makes every run's accounts unique within the test process; the
// random part keeps them unique across processes sharing a data directory.
var runCount atomic.Int64

// runner executes one run of a script.
type runner struct {
	t       testing.TB
	srv     *servertest.Server
	where   string
	suffix  string
	ids     *idMap
	clients map[string]*servertest.Client
	tokens  map[string]string
}

func runScript(t testing.TB, srv *servertest.Server, sc *script) {
	var rnd [3]byte
	rand.Read(rnd[:])
	r := &runner{t: t, srv: srv, ids: newIDMap(), clients: map[string]*servertest.Client{},
		tokens: map[string]string{}, suffix: fmt.Sprintf("x%d%x", runCount.Add(1), rnd)}
	for i := 0; i < len(sc.steps); i++ {
		st := sc.steps[i]
		r.where = st.where
		switch st.kind {
		case stepSend:
			r.send(st)
		case stepExpect:
			r.expect(st.client, []step{st})
		case stepExpectAny:
			group := []step{st}
			for i+1 < len(sc.steps) && sc.steps[i+1].kind == stepExpectAny && sc.steps[i+1].client == st.client {
				i++
				group = append(group, sc.steps[i])
			}
			r.expect(st.client, group)
		case stepRestart:
			r.restart()
		}
	}
}

// located annotates the fixture client's failures with the script line.
type located struct {
	testing.TB
	r *runner
}

func (l located) Fatalf(format string, args ...any) {
	l.TB.Helper()
	l.TB.Fatalf("%s: "+format, append([]any{l.r.where}, args...)...)
}

func (r *runner) client(name string) *servertest.Client {
	c := r.clients[name]
	if c == nil {
		c = r.srv.Dial(located{r.t, r})
		r.clients[name] = c
	}
	return c
}

func (r *runner) send(st step) {
	r.t.Helper()
	frame, err := expandSend(st.text, r.ids, r.suffix, r.tokens)
	if err != nil {
		r.t.Fatalf("%s: %v", st.where, err)
	}
	r.client(st.client).SendRaw(frame)
}

// expect reads len(want) frames (besides dropped presence) and matches them
// with want: in order for one step, in any order for a group.
func (r *runner) expect(name string, want []step) {
	r.t.Helper()
	c := r.client(name)
	left := want
	for len(left) > 0 {
		raw := c.ReadRaw()
		got, _, err := normalise(r.ids.clone(), raw)
		if err != nil {
			r.t.Fatalf("%s: %s received a frame that is not JSON: %q", left[0].where, name, raw)
		}
		if droppedPresence(got) {
			continue
		}
		i := r.match(name, raw, left)
		if i < 0 {
			var exp []string
			for _, w := range left {
				exp = append(exp, canonical(decode(w.text)))
			}
			r.t.Fatalf("%s: %s received\n  %s\nexpected\n  %s\n(raw: %s)", left[0].where, name,
				canonical(got), strings.Join(exp, "\n  or "), raw)
		}
		left = append(left[:i:i], left[i+1:]...)
	}
}

// match finds the first expected frame that raw equals once normalised, and
// commits the placeholders it bound. It returns -1 if none does.
func (r *runner) match(name, raw string, left []step) int {
	for i, w := range left {
		ids := r.ids.clone()
		got, token, _ := normalise(ids, raw)
		if !reflect.DeepEqual(decode(w.text), got) {
			continue
		}
		r.ids = ids
		if token != "" {
			r.tokens[name] = token
		}
		return i
	}
	return -1
}

func decode(text string) any {
	var v any
	json.Unmarshal([]byte(text), &v)
	return v
}

// droppedPresence reports whether a frame is online presence, which the
// runner ignores.
func droppedPresence(v any) bool {
	m, _ := v.(map[string]any)
	pres, _ := m["pres"].(map[string]any)
	return pres != nil && (pres["what"] == "on" || pres["what"] == "off")
}

// restart stops the server and starts another over the same data. The
// old connections are left to the test's cleanup.
func (r *runner) restart() {
	r.srv.Stop()
	r.srv = servertest.StartIn(r.t, r.srv.Dir)
	r.clients = map[string]*servertest.Client{}
}

package admin_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/admin"
)

// gateway serves the admin endpoint over recorded() with token "s3cret",
// or disabled when token is empty.
func gateway(t *testing.T, token string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(admin.TracePath, admin.TraceHandler(recorded(), token, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// run runs the command with env as its environment.
func run(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = admin.TraceCommand(args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTraceTimeline(t *testing.T) {
	addr := gateway(t, "s3cret")
	code, out, errOut := run(nil, "--addr", addr, "--token", "s3cret", "--msgid", "m1")
	if code != admin.ExitFound || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := `topic grpA  msgid m1  seq 3  (5 events)
TIME                      +ELAPSED  STAGE          SESSION  USER  ATTEMPT  DETAIL
2025-03-01T10:15:02.113Z  +0s       accepted       sA       usrX  -        -
2025-03-01T10:15:02.117Z  +4ms      stored         sA       usrX  -        -
2025-03-01T10:15:02.118Z  +5ms      pushed         sB       -     1        -
2025-03-01T10:15:04.118Z  +2.005s   retransmitted  sB       -     2        no ack in 2s
2025-03-01T10:15:04.123Z  +2.01s    acked          sB       -     -        -
`
	if out != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", out, want)
	}
	// By seq, with the token from the environment and the address as a URL.
	code, out2, _ := run(map[string]string{"PARLEY_ADMIN_TOKEN": "s3cret"},
		"--addr", "http://"+addr+"/", "--topic", "grpA", "--seq", "3")
	if code != admin.ExitFound || out2 != want {
		t.Fatalf("by seq: exit %d\n%s", code, out2)
	}
}

func TestTraceTimelineShowsColumnsForDisagreeingEvents(t *testing.T) {
	addr := gateway(t, "s3cret")
	// seq 3 of grpB was never stored: its one push is the whole answer.
	code, out, _ := run(nil, "--addr", addr, "--token", "s3cret", "--topic", "grpB", "--seq", "3")
	if code != admin.ExitFound || !strings.HasPrefix(out, "topic grpB  seq 3  (1 event)\n") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var buf bytes.Buffer
	admin.WriteTimeline(&buf, nil)
	if buf.Len() != 0 {
		t.Fatalf("empty timeline printed %q", buf.String())
	}
}

func TestTraceJSON(t *testing.T) {
	addr := gateway(t, "s3cret")
	code, out, _ := run(nil, "--addr", addr, "--token", "s3cret", "--msgid", "m1", "--topic", "grpA", "--json")
	if code != admin.ExitFound {
		t.Fatalf("exit %d", code)
	}
	var resp admin.TraceResponse
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(resp.Events) != 5 || resp.Events[1].Seq != 3 || resp.Events[4].Stage != "acked" {
		t.Fatalf("events %+v", resp.Events)
	}
}

func TestTraceNothingFound(t *testing.T) {
	addr := gateway(t, "s3cret")
	code, out, errOut := run(nil, "--addr", addr, "--token", "s3cret", "--msgid", "nope")
	if code != admin.ExitNotFound || out != "" || !strings.Contains(errOut, `no events recorded for msgid "nope"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A user name where the p2p name belongs gets a hint.
	code, _, errOut = run(nil, "--addr", addr, "--token", "s3cret", "--topic", "usrX", "--seq", "1")
	if code != admin.ExitNotFound || !strings.Contains(errOut, "p2p") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// JSON mode still prints the (empty) answer for scripts.
	code, out, _ = run(nil, "--addr", addr, "--token", "s3cret", "--msgid", "nope", "--json")
	if code != admin.ExitNotFound || strings.Join(strings.Fields(out), "") != `{"events":[]}` {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

func TestTraceServerErrors(t *testing.T) {
	addr := gateway(t, "s3cret")
	code, out, errOut := run(nil, "--addr", addr, "--token", "wrong", "--msgid", "m1")
	if code != admin.ExitNotFound || out != "" || !strings.Contains(errOut, "401") ||
		!strings.Contains(errOut, "rejected the admin token") {
		t.Fatalf("wrong token: exit %d, stderr %q", code, errOut)
	}

	disabled := gateway(t, "")
	code, _, errOut = run(nil, "--addr", disabled, "--token", "s3cret", "--msgid", "m1")
	if code != admin.ExitNotFound || !strings.Contains(errOut, "404") || !strings.Contains(errOut, "admin_token") {
		t.Fatalf("disabled: exit %d, stderr %q", code, errOut)
	}

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "database on fire", http.StatusInternalServerError)
	}))
	defer broken.Close()
	code, _, errOut = run(nil, "--addr", broken.URL, "--token", "s3cret", "--msgid", "m1")
	if code != admin.ExitNotFound || !strings.Contains(errOut, "500") || !strings.Contains(errOut, "database on fire") {
		t.Fatalf("500: exit %d, stderr %q", code, errOut)
	}

	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("<html>hello</html>"))
	}))
	defer notJSON.Close()
	code, _, errOut = run(nil, "--addr", notJSON.URL, "--token", "s3cret", "--msgid", "m1")
	if code != admin.ExitNotFound || !strings.Contains(errOut, "not a trace") {
		t.Fatalf("not JSON: exit %d, stderr %q", code, errOut)
	}

	// Nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	code, _, errOut = run(nil, "--addr", closed, "--token", "s3cret", "--msgid", "m1")
	if code != admin.ExitNotFound || !strings.Contains(errOut, closed) {
		t.Fatalf("refused: exit %d, stderr %q", code, errOut)
	}
}

func TestTraceUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give msgid"},
		{[]string{"--token", "t", "--topic", "grpA"}, "give msgid"},
		{[]string{"--token", "t", "--seq", "3"}, "seq needs a topic"},
		{[]string{"--token", "t", "--topic", "grpA", "--seq", "-2"}, "at least 1"},
		{[]string{"--token", "t", "--msgid", "m1", "--topic", "grpA", "--seq", "3"}, "not both"},
		{[]string{"--token", "t", "--msgid", "m1", "--topic", "me"}, "client-side alias"},
		{[]string{"--token", "t", "--msgid", "m1", "extra"}, `unexpected argument "extra"`},
		{[]string{"--msgid", "m1"}, "no admin token"},
		{[]string{"--token", "t", "--seq", "three"}, "invalid value"},
		{[]string{"--bogus"}, "flag provided but not defined"},
	} {
		code, out, errOut := run(nil, tc.args...)
		if code != admin.ExitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
	// Help is asked for, not a usage error: stdout, exit 0.
	if code, out, errOut := run(nil, "--help"); code != admin.ExitFound || !strings.HasPrefix(out, "usage: parley trace") || errOut != "" {
		t.Errorf("--help: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/trace"
)

// httpGet fetches path from srv with an optional Authorization header.
func httpGet(t *testing.T, srv *servertest.Server, path, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+srv.Addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// recordLife records one message's life directly into the server's
// recorder: accepted and stored by the sender's session, pushed twice to a
// reader that acknowledged the second push.
func recordLife(srv *servertest.Server, topic, msgID string, seq int) {
	rec := srv.Server().Trace()
	rec.Record(trace.Event{Stage: trace.Accepted, Topic: topic, MsgID: msgID, Session: "sender"})
	rec.Record(trace.Event{Stage: trace.Stored, Topic: topic, MsgID: msgID, Seq: seq, Session: "sender"})
	rec.Record(trace.Event{Stage: trace.Pushed, Topic: topic, Seq: seq, Session: "reader", Attempt: 1})
	rec.Record(trace.Event{Stage: trace.Retransmitted, Topic: topic, Seq: seq, Session: "reader", Attempt: 2})
	rec.Record(trace.Event{Stage: trace.Acked, Topic: topic, Seq: seq, Session: "reader"})
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	if srv.Server().Trace() == nil {
		t.Fatal("the server has no trace recorder")
	}
	recordLife(srv, "grpMetrics", "m1", 1)
	recordLife(srv, "grpMetrics", "m2", 2)
	c := srv.Dial(t)
	c.Hi() // the session exists once hi is answered

	code, text := httpGet(t, srv, "/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", code, text)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[l] = true
	}
	for _, want := range []string{
		`parley_messages_total{stage="accepted"} 2`,
		`parley_messages_total{stage="stored"} 2`,
		`parley_messages_total{stage="pushed"} 2`,
		`parley_messages_total{stage="retransmitted"} 2`,
		`parley_messages_total{stage="acked"} 2`,
		`parley_messages_total{stage="gave_up"} 0`,
		`parley_sessions 1`,
		`parley_lagging_sessions 0`,
	} {
		if !lines[want] {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, want := range []string{"\nparley_topics ", "\ngo_goroutines ", "# TYPE parley_messages_total counter",
		"# TYPE parley_delivery_seconds histogram", "# TYPE parley_delivery_queued_seconds histogram",
		"# TYPE parley_store_commits_total counter"} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}

func TestAdminTraceEndpoint(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.AdminToken = "x" })
	recordLife(srv, "grpAdmin", "m1", 7)
	recordLife(srv, "grpOther", "m2", 7)

	stagesOf := func(body string) []trace.Stage {
		t.Helper()
		var resp admin.TraceResponse
		if err := json.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatalf("not a trace: %v: %s", err, body)
		}
		var out []trace.Stage
		for _, e := range resp.Events {
			if e.Topic != "grpAdmin" {
				t.Fatalf("event of another message: %+v", e)
			}
			out = append(out, e.Stage)
		}
		return out
	}
	want := "[accepted stored pushed retransmitted acked]"
	for _, path := range []string{
		"/v0/admin/trace?msgid=m1",
		"/v0/admin/trace?msgid=m1&topic=grpAdmin",
		"/v0/admin/trace?topic=grpAdmin&seq=7",
	} {
		code, body := httpGet(t, srv, path, "Bearer x")
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		if got := stagesOf(body); fmt.Sprint(got) != want {
			t.Fatalf("%s: stages %v, want %s", path, got, want)
		}
	}
	if code, body := httpGet(t, srv, "/v0/admin/trace?msgid=unknown", "Bearer x"); code != http.StatusOK ||
		strings.TrimSpace(body) != `{"events":[]}` {
		t.Fatalf("unknown msgid: %d %s", code, body)
	}
	if code, _ := httpGet(t, srv, "/v0/admin/trace?topic=grpAdmin", "Bearer x"); code != http.StatusBadRequest {
		t.Fatalf("query without msgid or seq: %d, want 400", code)
	}
	for _, auth := range []string{"", "Bearer y", "Bearer xx", "Basic x"} {
		code, body := httpGet(t, srv, "/v0/admin/trace?msgid=m1", auth)
		if code != http.StatusUnauthorized || strings.Contains(body, "grpAdmin") {
			t.Errorf("Authorization %q: %d %s, want 401", auth, code, body)
		}
	}
}

func TestAdminTraceDisabledWithoutToken(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	recordLife(srv, "grpOff", "m1", 1)
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if code, body := httpGet(t, srv, "/v0/admin/trace?msgid=m1", auth); code != http.StatusNotFound {
			t.Errorf("Authorization %q: %d %s, want 404", auth, code, body)
		}
	}
}

// The command, end to end against an in-process server.
func TestTraceCommandAgainstServer(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.AdminToken = "x" })
	recordLife(srv, "grpCmd", "m1", 3)
	var out, errOut bytes.Buffer
	env := func(k string) string { return map[string]string{"PARLEY_ADMIN_TOKEN": "x"}[k] }
	code := admin.TraceCommand([]string{"--addr", srv.Addr, "--msgid", "m1"}, env, &out, &errOut)
	if code != admin.ExitFound || !strings.HasPrefix(out.String(), "topic grpCmd  msgid m1  seq 3  (5 events)\n") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	for _, stage := range []string{"accepted", "stored", "pushed", "retransmitted", "acked"} {
		if !strings.Contains(out.String(), " "+stage+" ") {
			t.Errorf("timeline lacks %s:\n%s", stage, out.String())
		}
	}
	out.Reset()
	errOut.Reset()
	code = admin.TraceCommand([]string{"--addr", srv.Addr, "--token", "wrong", "--topic", "grpCmd", "--seq", "3"},
		env, &out, &errOut)
	if code != admin.ExitNotFound || !strings.Contains(errOut.String(), "401") {
		t.Fatalf("wrong token: exit %d, stderr %q", code, errOut.String())
	}
}

package admin_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/trace"
)

// recorded returns a recorder holding the life of message "m1" at seq 3 of
// grpA, with a little noise around it.
func recorded() *trace.Recorder {
	rec := trace.NewRecorder(100, nil)
	at := time.Date(2025, 3, 1, 10, 15, 2, 113_000_000, time.UTC)
	add := func(ms int, e trace.Event) {
		e.Time = at.Add(time.Duration(ms) * time.Millisecond)
		rec.Record(e)
	}
	add(0, trace.Event{Stage: trace.Accepted, Topic: "grpA", MsgID: "m1", Session: "sA", User: "usrX"})
	add(1, trace.Event{Stage: trace.Pushed, Topic: "grpB", Seq: 3, Session: "sB", Attempt: 1})
	add(4, trace.Event{Stage: trace.Stored, Topic: "grpA", MsgID: "m1", Seq: 3, Session: "sA", User: "usrX"})
	add(5, trace.Event{Stage: trace.Pushed, Topic: "grpA", Seq: 3, Session: "sB", Attempt: 1})
	add(2005, trace.Event{Stage: trace.Retransmitted, Topic: "grpA", Seq: 3, Session: "sB", Attempt: 2,
		Detail: "no ack in 2s"})
	add(2010, trace.Event{Stage: trace.Acked, Topic: "grpA", Seq: 3, Session: "sB"})
	return rec
}

func get(t *testing.T, h http.Handler, method, target, auth string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHandlerAnswersWithTheEvents(t *testing.T) {
	h := admin.TraceHandler(recorded(), "s3cret", nil)
	for _, target := range []string{
		admin.TracePath + "?msgid=m1",
		admin.TracePath + "?msgid=m1&topic=grpA",
		admin.TracePath + "?topic=grpA&seq=3",
	} {
		w := get(t, h, http.MethodGet, target, "Bearer s3cret")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %q %s", target, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		var resp admin.TraceResponse
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		var got []trace.Stage
		for _, e := range resp.Events {
			got = append(got, e.Stage)
		}
		want := []trace.Stage{trace.Accepted, trace.Stored, trace.Pushed, trace.Retransmitted, trace.Acked}
		if len(got) != len(want) {
			t.Fatalf("%s: stages %v, want %v", target, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: stages %v, want %v", target, got, want)
			}
		}
		if e := resp.Events[3]; e.Attempt != 2 || e.Session != "sB" || e.Detail != "no ack in 2s" {
			t.Fatalf("retransmission lost its fields: %+v", e)
		}
	}
}

func TestHandlerNothingFoundIsAnEmptyList(t *testing.T) {
	h := admin.TraceHandler(recorded(), "s3cret", nil)
	w := get(t, h, http.MethodGet, admin.TracePath+"?msgid=nope", "Bearer s3cret")
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"events":[]}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestHandlerAuth(t *testing.T) {
	h := admin.TraceHandler(recorded(), "s3cret", nil)
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Bearer s3cret2", "Basic s3cret", "s3cret"} {
		w := get(t, h, http.MethodGet, admin.TracePath+"?msgid=m1", auth)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, w.Code)
		}
		if strings.Contains(w.Body.String(), "m1") {
			t.Errorf("Authorization %q: leaked %s", auth, w.Body)
		}
		if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: no WWW-Authenticate challenge", auth)
		}
	}
	// The scheme is case-insensitive.
	if w := get(t, h, http.MethodGet, admin.TracePath+"?msgid=m1", "bearer s3cret"); w.Code != http.StatusOK {
		t.Errorf("lower-case scheme: %d", w.Code)
	}
}

func TestHandlerDisabledWithoutToken(t *testing.T) {
	h := admin.TraceHandler(recorded(), "", nil)
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if w := get(t, h, http.MethodGet, admin.TracePath+"?msgid=m1", auth); w.Code != http.StatusNotFound {
			t.Errorf("Authorization %q: %d, want 404", auth, w.Code)
		}
	}
}

func TestHandlerRejectsBadQueries(t *testing.T) {
	h := admin.TraceHandler(recorded(), "s3cret", nil)
	for query, want := range map[string]string{
		"":                           "give msgid",
		"?topic=grpA":                "give msgid",
		"?seq=3":                     "seq needs a topic",
		"?topic=grpA&seq=x":          "not a number",
		"?topic=grpA&seq=0":          "give msgid",
		"?topic=grpA&seq=-1":         "at least 1",
		"?msgid=m1&topic=grpA&seq=3": "not both",
		"?msgid=m1&topic=me":         "client-side alias",
		"?topic=new&seq=1":           "client-side alias",
	} {
		w := get(t, h, http.MethodGet, admin.TracePath+query, "Bearer s3cret")
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%q: %d %q, want 400 with %q", query, w.Code, w.Body, want)
		}
	}
	if w := get(t, h, http.MethodPost, admin.TracePath+"?msgid=m1", "Bearer s3cret"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", w.Code)
	}
}

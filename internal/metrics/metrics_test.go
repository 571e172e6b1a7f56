package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parley-im/parley/internal/metrics"
	"github.com/parley-im/parley/internal/trace"
)

// scrape fetches the handler's exposition text.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("content type %q", ct)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// wantLines fails unless every line is in the exposition text.
func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		have[l] = true
	}
	for _, l := range lines {
		if !have[l] {
			t.Errorf("missing line %q in:\n%s", l, text)
		}
	}
}

func TestCountersComeFromTheRecorderAtScrapeTime(t *testing.T) {
	rec := trace.NewRecorder(4, nil) // fewer slots than events: counts are totals
	h := metrics.Handler(metrics.Sources{Trace: rec})

	// Before any message every stage is reported, at zero.
	text := scrape(t, h)
	for _, s := range trace.Stages {
		wantLines(t, text, fmt.Sprintf(`parley_messages_total{stage="%s"} 0`, s))
	}
	wantLines(t, text, "# TYPE parley_messages_total counter")

	for i := 1; i <= 3; i++ {
		rec.Record(trace.Event{Stage: trace.Accepted, Topic: "grpA", MsgID: fmt.Sprint(i)})
		rec.Record(trace.Event{Stage: trace.Stored, Topic: "grpA", MsgID: fmt.Sprint(i), Seq: i})
		rec.Record(trace.Event{Stage: trace.Pushed, Topic: "grpA", Seq: i})
		rec.Record(trace.Event{Stage: trace.Pushed, Topic: "grpA", Seq: i})
	}
	rec.Record(trace.Event{Stage: trace.GaveUp, Topic: "grpA", Seq: 1})
	text = scrape(t, h)
	wantLines(t, text,
		`parley_messages_total{stage="accepted"} 3`,
		`parley_messages_total{stage="stored"} 3`,
		`parley_messages_total{stage="pushed"} 6`,
		`parley_messages_total{stage="gave_up"} 1`,
		`parley_messages_total{stage="acked"} 0`)

	// Scraping again counts nothing twice.
	wantLines(t, scrape(t, h), `parley_messages_total{stage="pushed"} 6`)
}

func TestGaugesReadTheirFunctions(t *testing.T) {
	var sessions, topics, lagging atomic.Int64
	h := metrics.Handler(metrics.Sources{
		Sessions:        func() int { return int(sessions.Load()) },
		Topics:          func() int { return int(topics.Load()) },
		LaggingSessions: func() int { return int(lagging.Load()) },
	})
	sessions.Store(5)
	topics.Store(3)
	lagging.Store(1)
	text := scrape(t, h)
	wantLines(t, text, "parley_sessions 5", "parley_topics 3", "parley_lagging_sessions 1",
		"# TYPE parley_sessions gauge", "# TYPE parley_topics gauge", "# TYPE parley_lagging_sessions gauge")
	sessions.Store(2)
	wantLines(t, scrape(t, h), "parley_sessions 2")
}

func TestMissingSourcesReportZero(t *testing.T) {
	text := scrape(t, metrics.Handler(metrics.Sources{}))
	wantLines(t, text, `parley_messages_total{stage="stored"} 0`,
		"parley_sessions 0", "parley_topics 0", "parley_lagging_sessions 0")
}

func TestRuntimeAndProcessMetrics(t *testing.T) {
	text := scrape(t, metrics.Handler(metrics.Sources{}))
	if !strings.Contains(text, "\ngo_goroutines ") {
		t.Errorf("no go_goroutines in:\n%s", text)
	}
	if runtime.GOOS == "linux" && !strings.Contains(text, "\nprocess_start_time_seconds ") {
		t.Errorf("no process_start_time_seconds in:\n%s", text)
	}
}

// Registries are per server: two in one process neither collide nor share
// values.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := trace.NewRecorder(10, nil), trace.NewRecorder(10, nil)
	ha := metrics.Handler(metrics.Sources{Trace: a, Sessions: func() int { return 1 }})
	hb := metrics.Handler(metrics.Sources{Trace: b, Sessions: func() int { return 2 }})
	a.Record(trace.Event{Stage: trace.Stored, Topic: "grpA", Seq: 1})
	wantLines(t, scrape(t, ha), `parley_messages_total{stage="stored"} 1`, "parley_sessions 1")
	wantLines(t, scrape(t, hb), `parley_messages_total{stage="stored"} 0`, "parley_sessions 2")
}

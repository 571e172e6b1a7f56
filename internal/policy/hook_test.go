package policy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
)

const hookSecret = "0123456789abcdef-secret"

// reviewServer is a risk-review service: it checks each request's
// signature and answers with what answer returns for it.
type reviewServer struct {
	*httptest.Server
	calls  atomic.Int32
	mu     sync.Mutex
	answer func(w http.ResponseWriter, req HookRequest)
	bad    []string // why requests were refused
}

func newReviewServer(t *testing.T) *reviewServer {
	rs := &reviewServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get(HeaderTimestamp)
		sec, err := strconv.ParseInt(ts, 10, 64)
		rs.mu.Lock()
		switch {
		case err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute:
			rs.bad = append(rs.bad, "timestamp "+ts)
		case r.Header.Get(HeaderSignature) != Sign(hookSecret, ts, body):
			rs.bad = append(rs.bad, "signature")
		}
		answer := rs.answer
		rs.mu.Unlock()
		var req HookRequest
		json.Unmarshal(body, &req)
		answer(w, req)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *reviewServer) set(answer func(w http.ResponseWriter, req HookRequest)) {
	rs.mu.Lock()
	rs.answer = answer
	rs.mu.Unlock()
}

func answerJSON(body string) func(http.ResponseWriter, HookRequest) {
	return func(w http.ResponseWriter, _ HookRequest) { io.WriteString(w, body) }
}

// openPolicyStore opens a real SQLite store in a temporary directory.
func openPolicyStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "parley.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func hookEngine(t *testing.T, rs *reviewServer, cfg HookConfig) (*Engine, *Hook) {
	t.Helper()
	cfg.URL, cfg.Secret = rs.URL, hookSecret
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	h := NewHook(cfg)
	st := openPolicyStore(t)
	e, err := NewEngine(context.Background(), st, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AddRules(context.Background(), []Rule{{Word: "spam", Action: Block}}); err != nil {
		t.Fatal(err)
	}
	return e, h
}

func check(e *Engine, text string) Decision {
	raw, _ := json.Marshal(text)
	return e.Check(context.Background(), Input{Topic: "grpA", From: 7, Content: raw})
}

// TestHookVerdicts: each answer of the service decides; the request is
// signed; words that block spare the call.
func TestHookVerdicts(t *testing.T) {
	rs := newReviewServer(t)
	e, _ := hookEngine(t, rs, HookConfig{Fail: FailOpen, BreakerCooldown: time.Minute})
	var seen HookRequest
	rs.set(func(w http.ResponseWriter, req HookRequest) {
		seen = req
		io.WriteString(w, `{"verdict":"allow"}`)
	})
	if d := check(e, "hello"); d.Verdict != Allow {
		t.Errorf("allow: %+v", d)
	}
	if seen.Text != "hello" || seen.Topic != "grpA" || seen.Role != "customer" || seen.From != "usrBwAAAAAAAAA" {
		t.Errorf("the service was sent %+v", seen)
	}
	for answer, want := range map[string]string{
		`{"verdict":"block","reason":"fraud"}`: Block,
		`{"verdict":"review"}`:                 Review,
	} {
		rs.set(answerJSON(answer))
		if d := check(e, "hello"); d.Verdict != want {
			t.Errorf("%s: %+v, want %s", answer, d, want)
		}
	}
	rs.set(answerJSON(`{"verdict":"mask","words":["card number"]}`))
	d := check(e, "my CARD-number is 1234")
	if d.Verdict != Mask || string(d.Content) != `"my *********** is 1234"` {
		t.Errorf("mask: %+v %s", d, d.Content)
	}
	before := rs.calls.Load()
	if d := check(e, "buy spam"); d.Verdict != Block || rs.calls.Load() != before {
		t.Errorf("a blocking word: %+v, calls %d → %d (want no call)", d, before, rs.calls.Load())
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if len(rs.bad) != 0 {
		t.Errorf("refused requests: %v", rs.bad)
	}
}

// TestHookFailures: timeouts, error statuses and garbage take the fail
// mode, and a message never waits longer than the timeout.
func TestHookFailures(t *testing.T) {
	for _, mode := range []struct{ fail, want string }{{FailOpen, Allow}, {FailClosed, Block}, {FailReview, Review}} {
		rs := newReviewServer(t)
		e, _ := hookEngine(t, rs, HookConfig{Fail: mode.fail, Timeout: 200 * time.Millisecond,
			BreakerFailures: 100, BreakerCooldown: time.Minute})
		release := make(chan struct{})
		answers := map[string]func(http.ResponseWriter, HookRequest){
			"500":             func(w http.ResponseWriter, _ HookRequest) { http.Error(w, "boom", 500) },
			"garbage":         answerJSON(`<html>oops`),
			"unknown verdict": answerJSON(`{"verdict":"maybe"}`),
			"bad mask word":   answerJSON(`{"verdict":"mask","words":["  "]}`),
			"timeout": func(w http.ResponseWriter, _ HookRequest) {
				<-release // answers only once the test is over
			},
		}
		for name, answer := range answers {
			rs.set(answer)
			start := time.Now()
			d := check(e, "hello")
			if d.Verdict != mode.want {
				t.Errorf("fail %s, %s: %+v, want %s", mode.fail, name, d, mode.want)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("fail %s, %s: took %v", mode.fail, name, took)
			}
		}
		close(release)
	}
}

// TestHookBreaker: after the failures in a row the service is not called
// until the cooldown has passed; then one probe closes the breaker if it
// succeeds, or opens it again.
func TestHookBreaker(t *testing.T) {
	rs := newReviewServer(t)
	e, h := hookEngine(t, rs, HookConfig{Fail: FailClosed, BreakerFailures: 3, BreakerCooldown: time.Minute})
	clock := time.Now()
	var mu sync.Mutex
	h.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	rs.set(func(w http.ResponseWriter, _ HookRequest) { http.Error(w, "down", 503) })
	for range 3 {
		check(e, "hello")
	}
	if !h.br.open() || rs.calls.Load() != 3 {
		t.Fatalf("after 3 failures: open %v, calls %d", h.br.open(), rs.calls.Load())
	}
	if d := check(e, "hello"); d.Verdict != Block || rs.calls.Load() != 3 {
		t.Errorf("while open: %+v, calls %d (want the fail mode and no call)", d, rs.calls.Load())
	}
	advance(61 * time.Second)
	check(e, "hello") // the probe fails: open again for a full cooldown
	if rs.calls.Load() != 4 || !h.br.open() {
		t.Errorf("failed probe: calls %d, open %v", rs.calls.Load(), h.br.open())
	}
	advance(30 * time.Second)
	check(e, "hello")
	if rs.calls.Load() != 4 {
		t.Errorf("half a cooldown after the failed probe: calls %d, want 4", rs.calls.Load())
	}
	rs.set(answerJSON(`{"verdict":"allow"}`))
	advance(31 * time.Second)
	if d := check(e, "hello"); d.Verdict != Allow || h.br.open() {
		t.Errorf("successful probe: %+v, open %v", d, h.br.open())
	}
	for range 3 {
		check(e, "hello")
	}
	if rs.calls.Load() != 8 {
		t.Errorf("closed again: calls %d, want 8", rs.calls.Load())
	}
}

// TestRetryGetsFirstVerdict: a held msgid answers from memory, and the
// memory is rebuilt from the store by a new engine (a restart).
func TestRetryGetsFirstVerdict(t *testing.T) {
	st := openPolicyStore(t)
	ctx := context.Background()
	e, err := NewEngine(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Hold(ctx, &store.HeldMessage{Topic: "grpA", MsgID: "m1", From: 7, State: store.HeldPending,
		Content: json.RawMessage(`"x"`), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e2, err := NewEngine(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := e2.Check(ctx, Input{Topic: "grpA", MsgID: "m1", Content: json.RawMessage(`"harmless now"`)})
	if !d.Replayed || d.Verdict != Review || d.State != store.HeldPending {
		t.Errorf("retry after a restart: %+v", d)
	}
	if d := e2.Check(ctx, Input{Topic: "grpB", MsgID: "m1", Content: json.RawMessage(`"x"`)}); d.Replayed {
		t.Errorf("same msgid in another topic replayed: %+v", d)
	}
}

// TestRefreshSeesOtherGatewaysRules: two engines on one store, as two
// gateways on one database; a rule one adds reaches the other's next
// refresh, and a refresh without changes keeps the compiled set.
func TestRefreshSeesOtherGatewaysRules(t *testing.T) {
	st := openPolicyStore(t)
	ctx := context.Background()
	a, err := NewEngine(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewEngine(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddRules(ctx, []Rule{{Word: "spam", Action: Block}}); err != nil {
		t.Fatal(err)
	}
	if d := check(b, "spam"); d.Verdict != Allow {
		t.Fatalf("before refresh: %+v", d)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if d := check(b, "spam"); d.Verdict != Block {
		t.Errorf("after refresh: %+v", d)
	}
	before := b.rules.Load()
	if err := b.Refresh(ctx); err != nil || b.rules.Load() != before {
		t.Errorf("a refresh without changes recompiled (%v)", err)
	}
}

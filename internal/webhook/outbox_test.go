package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store/sqlite"
	"github.com/parley-im/parley/internal/webhook"
)

// TestFailingConversationHoldsOnlyItself: while the receiver refuses the
// events of conversation A, A's later events wait behind the first and B's
// are delivered; when A is accepted, its events arrive in order.
func TestFailingConversationHoldsOnlyItself(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "parley.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	refuseA := true
	var got []string // "conv:n" of accepted deliveries
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte("k"), r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("verify: %v", err)
		}
		var b webhook.Body
		json.Unmarshal(body, &b)
		var n int
		json.Unmarshal(b.Data, &n)
		mu.Lock()
		defer mu.Unlock()
		if b.Conversation == "A" && refuseA {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got = append(got, b.Conversation+":"+string(rune('0'+n)))
	}))
	defer srv.Close()
	o := webhook.New(webhook.Config{Store: st, Endpoints: []webhook.Endpoint{{URL: srv.URL, Secret: []byte("k")}},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	o.Start()
	defer o.Stop()
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		for _, conv := range []string{"A", "B"} {
			if _, err := o.Enqueue(ctx, webhook.Event{Type: "test", Conversation: conv, Data: i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor := func(what string, n int) []string {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			mu.Lock()
			out := append([]string(nil), got...)
			mu.Unlock()
			if len(out) >= n {
				return out
			}
			time.Sleep(5 * time.Millisecond) // polling the receiver
		}
		t.Fatalf("%s: got %v", what, got)
		return nil
	}
	if b := waitFor("B's events", 3); b[0] != "B:1" || b[1] != "B:2" || b[2] != "B:3" {
		t.Fatalf("while A fails: %v, want B:1 B:2 B:3", b)
	}
	mu.Lock()
	refuseA = false
	mu.Unlock()
	all := waitFor("A's events", 6)
	if all[3] != "A:1" || all[4] != "A:2" || all[5] != "A:3" {
		t.Errorf("after A recovered: %v, want A's in order", all)
	}
}

// TestSignature: Verify accepts what Sign made and refuses a changed body,
// another secret and an old timestamp.
func TestSignature(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	now := time.Now()
	h := http.Header{}
	webhook.SetHeaders(h, []byte("secret"), now, body)
	if err := webhook.Verify([]byte("secret"), h, body, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if webhook.Verify([]byte("secret"), h, []byte(`{"id":"evt_2"}`), now, time.Minute) == nil {
		t.Error("a changed body verified")
	}
	if webhook.Verify([]byte("other"), h, body, now, time.Minute) == nil {
		t.Error("another secret verified")
	}
	if webhook.Verify([]byte("secret"), h, body, now.Add(10*time.Minute), time.Minute) == nil {
		t.Error("an old timestamp verified")
	}
}

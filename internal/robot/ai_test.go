package robot

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/webhook"
)

// TestAIProvider: the provider's answer and hand-off are used; when it is
// slow, failing or has no answer, the FAQ answers.
func TestAIProvider(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte("ai-key"), r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("the provider's request does not verify: %v", err)
		}
		var q aiRequest
		json.Unmarshal(body, &q)
		switch q.Question {
		case "ai knows":
			w.Write([]byte(`{"answer":"from the model","suggestions":["a","b","c","d"]}`))
		case "ai hands off":
			w.Write([]byte(`{"handoff":true}`))
		case "is shipping free?": // slow: the FAQ answers
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "I forgot my password":
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	r := matcher(t)
	r.misses = map[string]int{}
	r.cfg.AI = &AI{URL: srv.URL, Secret: []byte("ai-key"), Timeout: 200 * time.Millisecond}
	h := desk.Heard{Topic: "grpX", Team: "en", Customer: 5, Seq: 3}
	ctx := context.Background()
	if d := r.decide(ctx, h, "ai knows"); d.Kind != KindAnswer || d.Text != "from the model" || d.Source != "ai" ||
		len(d.Suggestions) != suggestionsShown {
		t.Errorf("AI answer: %+v", d)
	}
	if d := r.decide(ctx, h, "ai hands off"); d.Kind != KindHandOff {
		t.Errorf("AI hand-off: %+v", d)
	}
	start := time.Now()
	if d := r.decide(ctx, h, "is shipping free?"); d.Kind != KindAnswer || d.Source != "faq" {
		t.Errorf("slow AI: %+v, want the FAQ's answer", d)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("slow AI: waited %v, want about the 200ms timeout", el)
	}
	for _, q := range []string{"I forgot my password", "how do I return an item"} {
		if d := r.decide(ctx, h, q); d.Kind != KindAnswer || d.Source != "faq" {
			t.Errorf("%q: %+v, want the FAQ's answer", q, d)
		}
	}
}

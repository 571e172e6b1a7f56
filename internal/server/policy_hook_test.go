package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// TestSlowReviewStallsOnlyItsSender: while the review service sits on one
// sender's message, another member's messages in the same topic are
// reviewed, stored and delivered; then the held-up message gets its
// verdict (here: review), and the service's block reaches its sender.
func TestSlowReviewStallsOnlyItsSender(t *testing.T) {
	slow := make(chan string, 1) // the sender whose messages wait
	release := make(chan struct{})
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req policy.HookRequest
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &req)
		who := <-slow
		slow <- who
		switch {
		case req.From == who:
			<-release
			io.WriteString(w, `{"verdict":"review","reason":"manual check"}`)
		case req.Text == "forbidden":
			io.WriteString(w, `{"verdict":"block","reason":"fraud"}`)
		default:
			io.WriteString(w, `{"verdict":"allow"}`)
		}
	}))
	defer svc.Close()
	s := servertest.Start(t, func(c *server.Config) {
		c.ReviewHookURL, c.ReviewHookSecret = svc.URL, "0123456789abcdef-secret"
		c.ReviewHookTimeout = server.Duration(10 * time.Second)
	})
	alice, bob := s.Connect(t, "alice"), s.Connect(t, "bob")
	p2p(t, alice, bob)
	slow <- alice.User

	id := alice.ID()
	alice.Send(Msg{"pub": Msg{"id": id, "topic": bob.User, "content": "please check me"}})
	// Bob's messages pass while alice's waits for the service.
	for _, text := range []string{"one", "two"} {
		if ctrl := bob.Pub(alice.User, text, ""); ctrl.Code() != 202 {
			t.Fatalf("bob's pub while alice's is under review: %v", ctrl)
		}
	}
	if ctrl := bob.Pub(alice.User, "forbidden", ""); ctrl.Code() != 422 || ctrl.Get("params.policy") != "blocked" {
		t.Errorf("the service's block: %v", ctrl)
	}
	got := alice.Until("bob's second message", func(m Msg) bool { return m.Get("data.content") == "two" })
	if got.Int("data.seq") != 2 {
		t.Errorf("bob's second message at seq %d", got.Int("data.seq"))
	}
	close(release)
	ctrl := alice.Ctrl(id)
	if ctrl.Code() != 202 || ctrl.Get("params.policy") != "review" {
		t.Errorf("alice's message after the service answered: %v", ctrl)
	}
}

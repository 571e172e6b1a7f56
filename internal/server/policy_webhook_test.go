package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/webhook"
)

// TestReviewVerdictReachesWebhooks: a reviewer's verdict on a held message
// is told to the merchant's webhook as review.verdict, with the seq the
// approved message got.
func TestReviewVerdictReachesWebhooks(t *testing.T) {
	recv := &hookReceiver{t: t, deliv: map[string]int{}}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	s := servertest.Start(t, func(c *server.Config) {
		c.AdminToken = deskToken
		c.Webhooks = []string{hs.URL + "/hook|" + hookSecret}
		c.WebhookMaxBackoff = server.Duration(200 * time.Millisecond)
	})
	setupDesk(t, s)
	addPolicyRules(t, s)
	cust := s.Connect(t, "cust")
	ann, topic := policyChat(t, s, cust)
	if ctrl := cust.Pub(topic, "我要退款", "held1"); ctrl.Get("params.policy") != "review" {
		t.Fatalf("held pub: %v", ctrl)
	}
	items, _ := act(ann, "", "review.list", msgT{"state": "pending"}).Get("params.held").([]any)
	if len(items) != 1 {
		t.Fatalf("pending: %v", items)
	}
	ok := act(ann, "", "review.approve", msgT{"id": items[0].(map[string]any)["id"]})
	seq := ok.Int("params.held.seq")

	var verdict struct {
		Topic, MsgID, Verdict string
		Seq                   int
	}
	waitFor(t, func() bool {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		for _, b := range recv.apps {
			if b.Type == webhook.TypeReviewVerdict {
				json.Unmarshal(b.Data, &verdict)
				return true
			}
		}
		return false
	}, "a review.verdict webhook")
	if verdict.Topic != topic || verdict.MsgID != "held1" || verdict.Seq != seq || verdict.Verdict != "approved" {
		t.Errorf("review.verdict %+v, want held1 approved at seq %d in %s", verdict, seq, topic)
	}
}

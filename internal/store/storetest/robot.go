package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// testFAQs runs for stores that implement store.FAQs.
func testFAQs(t *testing.T, open Opener) {
	s := fresh(t, open)
	fs, ok := s.(store.FAQs)
	if !ok {
		t.Skip("the store does not implement store.FAQs")
	}
	ctx := context.Background()
	sales := []store.FAQEntry{
		{Question: "How do I return an item?", Answer: "Within 30 days.", Keywords: []string{"return", "refund"}},
		{Question: "运费多少？", Answer: "满99包邮。"},
	}
	if err := fs.ReplaceFAQ(ctx, "sales", sales); err != nil {
		t.Fatal(err)
	}
	if err := fs.ReplaceFAQ(ctx, "vip", []store.FAQEntry{{Question: "q", Answer: "a"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := fs.FAQ(ctx, "sales"); err != nil || !reflect.DeepEqual(got, sales) {
		t.Errorf("FAQ(sales) = %+v, %v; want %+v in order", got, err, sales)
	}
	if got, err := fs.FAQTeams(ctx); err != nil || !reflect.DeepEqual(got, []string{"sales", "vip"}) {
		t.Errorf("FAQTeams = %v, %v", got, err)
	}
	// Replacing drops the old entries; an empty FAQ removes the team.
	if err := fs.ReplaceFAQ(ctx, "sales", sales[1:]); err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.FAQ(ctx, "sales"); !reflect.DeepEqual(got, sales[1:]) {
		t.Errorf("after replacing: %+v", got)
	}
	if err := fs.ReplaceFAQ(ctx, "vip", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.FAQTeams(ctx); !reflect.DeepEqual(got, []string{"sales"}) {
		t.Errorf("FAQTeams after removing vip = %v", got)
	}
	if got, err := fs.FAQ(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Errorf("FAQ(nobody) = %v, %v; want none", got, err)
	}
}

// testWebhooks runs for stores that implement store.Webhooks.
func testWebhooks(t *testing.T, open Opener) {
	s := fresh(t, open)
	ws, ok := s.(store.Webhooks)
	if !ok {
		t.Skip("the store does not implement store.Webhooks")
	}
	ctx := context.Background()
	evs := []*store.WebhookEvent{
		{ID: "e1", Endpoint: "http://a/", Key: "grpA", Body: []byte(`{"n":1}`), CreatedAt: at(1), NextAt: at(1)},
		{ID: "e2", Endpoint: "http://a/", Key: "grpB", Body: []byte(`{"n":2}`), CreatedAt: at(2), NextAt: at(2)},
	}
	if err := ws.EnqueueWebhooks(ctx, evs[:1], []store.WebhookMark{{Topic: "grpA", Seq: 5}, {Topic: "grpB", Seq: 2}}); err != nil {
		t.Fatal(err)
	}
	// A mark never goes back.
	if err := ws.EnqueueWebhooks(ctx, evs[1:], []store.WebhookMark{{Topic: "grpA", Seq: 3}, {Topic: "grpB", Seq: 4}}); err != nil {
		t.Fatal(err)
	}
	if m, err := ws.WebhookMarks(ctx); err != nil || !reflect.DeepEqual(m, []store.WebhookMark{{Topic: "grpA", Seq: 5}, {Topic: "grpB", Seq: 4}}) {
		t.Errorf("WebhookMarks = %v, %v; want grpA 5 (kept), grpB 4 (raised)", m, err)
	}
	if evs[0].Seq <= 0 || evs[1].Seq <= evs[0].Seq {
		t.Fatalf("seqs %d, %d; want increasing", evs[0].Seq, evs[1].Seq)
	}
	got, err := ws.PendingWebhooks(ctx, 10)
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], *evs[0]) || !reflect.DeepEqual(got[1], *evs[1]) {
		t.Fatalf("PendingWebhooks = %+v, %v; want %+v, %+v", got, err, *evs[0], *evs[1])
	}
	if err := ws.WebhookFailed(ctx, evs[0].Seq, 1, at(5), "connection refused"); err != nil {
		t.Fatal(err)
	}
	got, _ = ws.PendingWebhooks(ctx, 1)
	if len(got) != 1 || got[0].Attempts != 1 || !got[0].NextAt.Equal(at(5)) || got[0].LastError != "connection refused" {
		t.Errorf("after a failure: %+v", got)
	}
	if err := ws.WebhookDelivered(ctx, evs[0].Seq); err != nil {
		t.Fatal(err)
	}
	if got, _ = ws.PendingWebhooks(ctx, 10); len(got) != 1 || got[0].ID != "e2" {
		t.Errorf("after delivery: %+v; want e2 only", got)
	}
	if err := ws.WebhookFailed(ctx, evs[0].Seq, 2, time.Now(), "x"); err == nil {
		t.Error("WebhookFailed on a delivered event: no error; want ErrNotFound")
	}
}

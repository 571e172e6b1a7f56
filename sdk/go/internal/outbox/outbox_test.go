package outbox

import (
	"testing"
	"time"
)

func ids(items []*Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.MsgID)
	}
	return out
}

func TestOutboxOrderRetryAndReconnect(t *testing.T) {
	o := New(time.Second, 3)
	t0 := time.Unix(100, 0)
	o.Add("t", "a", nil)
	o.Add("t", "b", nil)
	o.Add("t", "a", nil) // same msgid: queued once
	if due, _ := o.Due("t", 1, t0); len(due) != 2 || due[0].MsgID != "a" || due[1].MsgID != "b" {
		t.Fatalf("first write %v", ids(due))
	}
	if due, _ := o.Due("t", 1, t0.Add(500*time.Millisecond)); len(due) != 0 {
		t.Fatalf("written again before the timeout: %v", ids(due))
	}
	o.Remove("a")
	if due, _ := o.Due("t", 1, t0.Add(time.Second)); len(due) != 1 || due[0].MsgID != "b" {
		t.Fatalf("retry %v", ids(due))
	}
	// A new connection writes what is waiting at once, without counting a timeout.
	o.Add("t", "c", nil)
	if due, _ := o.Due("t", 2, t0.Add(1100*time.Millisecond)); len(due) != 2 || due[0].MsgID != "b" {
		t.Fatalf("after reconnect %v", ids(due))
	}
	// b has timed out once on gen 1; on gen 2 it may time out once more.
	due, expired := o.Due("t", 2, t0.Add(3*time.Second))
	if len(due) != 2 || len(expired) != 0 {
		t.Fatalf("second timeout: due %v expired %v", ids(due), ids(expired))
	}
	due, expired = o.Due("t", 2, t0.Add(5*time.Second))
	if len(expired) != 1 || expired[0].MsgID != "b" || len(due) != 1 || o.Len() != 1 {
		t.Fatalf("give up b: due %v expired %v", ids(due), ids(expired))
	}
	due, expired = o.Due("t", 2, t0.Add(7*time.Second))
	if len(expired) != 1 || len(due) != 0 || o.Len() != 0 {
		t.Fatalf("give up: due %v expired %v", ids(due), ids(expired))
	}
}

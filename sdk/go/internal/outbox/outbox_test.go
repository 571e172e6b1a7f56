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

// A send being prepared (a file uploading) holds back the sends behind it
// in its topic, not those before it nor other topics'; when it is ready it
// goes first, and when it is dropped the others go on.
func TestOutboxPreparingKeepsItsPlace(t *testing.T) {
	o := New(time.Second, 3)
	t0 := time.Unix(100, 0)
	o.Add("t", "before", nil)
	o.AddPreparing("t", "file")
	o.Add("t", "text1", nil)
	o.Add("u", "other", nil)
	if due, _ := o.Due("t", 1, t0); len(due) != 1 || due[0].MsgID != "before" {
		t.Fatalf("while preparing: %v, want [before]", ids(due))
	}
	if due, _ := o.Due("u", 1, t0); len(due) != 1 {
		t.Fatalf("another topic waited: %v", ids(due))
	}
	if !o.Ready("file", []byte(`{"txt":" "}`), []string{"/v0/file/s/x"}) {
		t.Fatal("Ready: not waiting")
	}
	due, _ := o.Due("t", 1, t0)
	if len(due) != 2 || due[0].MsgID != "file" || due[1].MsgID != "text1" || len(due[0].Attachments) != 1 {
		t.Fatalf("after Ready: %v, want [file text1]", ids(due))
	}

	o.AddPreparing("v", "failed")
	o.Add("v", "next", nil)
	o.Remove("failed")
	if due, _ := o.Due("v", 1, t0); len(due) != 1 || due[0].MsgID != "next" {
		t.Fatalf("after a failed upload: %v, want [next]", ids(due))
	}
}

package ws

import (
	"testing"
	"time"
)

// The write deadline is set again only when less than 7/8 of the timeout is
// left, and then to a full timeout from now.
func TestWriteDeadlineIsSetOnlyWhenItWouldMatter(t *testing.T) {
	const timeout = 8 * time.Second
	start := time.Unix(1000, 0)
	by, ok := writeDeadline(start, time.Time{}, timeout)
	if !ok || !by.Equal(start.Add(timeout)) {
		t.Fatalf("first write: %v %v, want a deadline %v from now", by, ok, timeout)
	}
	if _, ok := writeDeadline(start.Add(time.Second), by, timeout); ok {
		t.Fatal("set again with 7 s of 8 left")
	}
	next, ok := writeDeadline(start.Add(time.Second+time.Millisecond), by, timeout)
	if !ok || !next.Equal(start.Add(time.Second+time.Millisecond+timeout)) {
		t.Fatalf("with under 7 s left: %v %v, want a full timeout from now", next, ok)
	}
}

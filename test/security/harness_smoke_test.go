package security

import "testing"

// TestServerAnswers checks the harness itself: a process starts and a raw
// client gets its hi answered.
func TestServerAnswers(t *testing.T) {
	p := startServer(t)
	c := dial(t, p)
	if code := c.Hi().Code(); code != 201 {
		t.Fatalf("hi answered %d, want 201", code)
	}
}

package session

import (
	"strings"
	"testing"
)

// What logs and traces show of a session is a label that is not its sid
// and does not contain it, stable for one key and different under another.
func TestSessionLabel(t *testing.T) {
	s := New(&Deps{LabelKey: []byte("k1")}, &Config{OutboxBytes: 1 << 10, RatePerSecond: 1, RateBurst: 1},
		KindLongPoll, "192.0.2.1")
	defer s.End()
	if s.SID() == "" || s.SessionID() == s.SID() || strings.Contains(s.SessionID(), s.SID()) {
		t.Fatalf("label %q, sid %q", s.SessionID(), s.SID())
	}
	if label([]byte("k1"), s.SID()) != s.SessionID() || label([]byte("k2"), s.SID()) == s.SessionID() {
		t.Fatal("the label is not a keyed hash of the sid")
	}
}

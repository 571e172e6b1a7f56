package hub

import (
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// mayGrant is the rule against escalation: nobody but the owner adds a bit
// they do not hold, and nobody adds O.
func TestMayGrant(t *testing.T) {
	m := func(s string) proto.AccessMode {
		mode, err := proto.ParseMode(s)
		if err != nil {
			t.Fatal(err)
		}
		return mode
	}
	for _, tc := range []struct {
		host, old, next string
		want            bool
	}{
		{"JRWPS", "N", "JRWPS", true},            // a sharer's default invitation
		{"JRWPS", "N", "JRWPASD", false},         // the sock puppet
		{"JRWPAS", "JRWPS", "JRWPAS", true},      // an approver promotes to what it holds
		{"JRWPAS", "JRWPS", "JRWPSD", false},     // … but not to D, which it lacks
		{"JRWPAS", "JRWPASD", "JRWPSD", true},    // removing is always allowed, D is kept
		{"JRWPAS", "JRWPS", "N", true},           // a ban
		{"JRWPASDO", "JRWPS", "JRWPASD", true},   // the owner gives anything
		{"JRWPASDO", "JRWPS", "JRWPASDO", false}, // … but O
		{"JRWPAS", "JRWPS", "JRWPSO", false},
	} {
		if got := mayGrant(m(tc.host), m(tc.old), m(tc.next)); got != tc.want {
			t.Errorf("mayGrant(host %s, %s → %s) = %v, want %v", tc.host, tc.old, tc.next, got, tc.want)
		}
	}
}

package admin_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/trace"
)

// A msgid with ESC or BEL was printed raw, so a client could drive the
// terminal of the operator tracing its message (issue 10, finding 15).
// Stored msgids predate the check at pub, so the timeline escapes whatever
// it prints, in the header and in the cells.
func TestTimelineEscapesUnprintable(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 15, 2, 0, time.UTC)
	evil := "m\x1b]0;pwned\a\u202e\xff\\x"
	events := []trace.Event{
		{Time: at, Stage: trace.Accepted, Topic: "grpA", MsgID: evil, Session: "s\x1b[2J", Detail: "a\tb\nc"},
		{Time: at, Stage: trace.Stored, Topic: "grpA", MsgID: evil + "2", Seq: 1},
	}
	var single, both bytes.Buffer
	admin.WriteTimeline(&single, events[:1]) // the msgid in the header
	admin.WriteTimeline(&both, events)       // the msgid in a column
	for _, out := range []string{single.String(), both.String()} {
		for _, r := range out {
			if r != '\n' && !unicode.IsPrint(r) {
				t.Fatalf("timeline holds the unprintable %U:\n%q", r, out)
			}
		}
		if !strings.Contains(out, `m\x1b]0;pwned\x07\u202e\xff\\x`) {
			t.Fatalf("timeline does not show the msgid escaped:\n%s", out)
		}
	}
	if got := admin.Printable("a\tb\nc d-é😀"); got != "a b c d-é😀" {
		t.Fatalf("Printable changed printable text: %q", got)
	}
}

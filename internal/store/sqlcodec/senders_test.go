package sqlcodec

import (
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// A sender's run is its first run of consecutive seqs in a topic: another
// sender's message in between ends it, and a later run does not extend it.
func TestSenderRunsKeepTheFirstRun(t *testing.T) {
	ann := SenderKey{Topic: "grpX", From: proto.Uid(1)}
	bob := SenderKey{Topic: "grpX", From: proto.Uid(2)}
	annY := SenderKey{Topic: "grpY", From: proto.Uid(1)}
	var r SenderRuns
	for _, step := range []struct {
		k   SenderKey
		seq int
	}{{ann, 5}, {ann, 6}, {annY, 1}, {ann, 7}, {bob, 8}, {ann, 9}, {bob, 10}} {
		r.Add(step.k, step.seq)
	}
	want := map[SenderKey]MarkRun{ann: {5, 7}, bob: {8, 8}, annY: {1, 1}}
	if len(r.Runs) != len(want) {
		t.Fatalf("runs %v, want %v", r.Runs, want)
	}
	for k, w := range want {
		if got := r.Runs[k]; got == nil || *got != w {
			t.Errorf("run of %v = %v, want %v", k, got, w)
		}
	}
}

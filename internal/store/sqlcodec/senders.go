package sqlcodec

import "github.com/parley-im/parley/internal/proto"

// SenderKey identifies a subscription whose marks an append batch raises,
// or with Device set, one of its devices' marks.
type SenderKey struct {
	Topic  string
	From   proto.Uid
	Device string
}

// MarkRun is the first run of consecutive seqs of a topic that one
// sender's messages took in a batch. The sender's marks follow their own
// messages only where they stood right before them (docs/protocol.md, "The
// sender's own marks"): a mark at First-1 moves to Last, any other stays.
// A later run of the same sender cannot move a mark: it would have to stand
// at a seq of this batch that is not theirs.
type MarkRun struct{ First, Last int }

// SenderRuns collects each sender's (or sending device's) first run in a
// batch. The zero value is ready to use.
type SenderRuns struct {
	Runs map[SenderKey]*MarkRun
	open map[string]SenderKey // topic → sender of its latest seq
}

// Add records that the message of k.From (from k.Device, if set) took seq
// in k.Topic.
func (r *SenderRuns) Add(k SenderKey, seq int) {
	if r.Runs == nil {
		r.Runs, r.open = map[SenderKey]*MarkRun{}, map[string]SenderKey{}
	}
	run, ok := r.Runs[k]
	switch {
	case !ok:
		r.Runs[k] = &MarkRun{seq, seq}
	case r.open[k.Topic] == k && run.Last == seq-1:
		run.Last = seq
	}
	r.open[k.Topic] = k
}

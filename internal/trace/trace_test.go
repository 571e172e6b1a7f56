package trace

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// stages returns the stages of events, for compact comparisons.
func stages(events []Event) []Stage {
	out := make([]Stage, len(events))
	for i, e := range events {
		out[i] = e.Stage
	}
	return out
}

func equalStages(t *testing.T, what string, got []Event, want ...Stage) {
	t.Helper()
	if fmt.Sprint(stages(got)) != fmt.Sprint(want) {
		t.Fatalf("%s: stages %v, want %v (events %+v)", what, stages(got), want, got)
	}
}

// life records the normal life of one message: accepted with its msgid,
// stored with its seq, then pushed and acked, which know only the seq.
func life(r *Recorder, topic, msgID string, seq int) {
	r.Record(Event{Stage: Accepted, Topic: topic, MsgID: msgID, Session: "s1"})
	r.Record(Event{Stage: Stored, Topic: topic, MsgID: msgID, Seq: seq, Session: "s1"})
	r.Record(Event{Stage: Pushed, Topic: topic, Seq: seq, Session: "s2", Attempt: 1})
	r.Record(Event{Stage: Acked, Topic: topic, Seq: seq, Session: "s2"})
}

func TestRingKeepsOnlyTheLastEvents(t *testing.T) {
	r := NewRecorder(3, nil)
	for i := 1; i <= 7; i++ {
		r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: i})
	}
	var got []int
	for i := 1; i <= 7; i++ {
		for _, e := range r.BySeq("grpA", i) {
			got = append(got, e.Seq)
		}
	}
	if fmt.Sprint(got) != "[5 6 7]" {
		t.Fatalf("after 7 events in a ring of 3, kept seqs %v, want [5 6 7]", got)
	}
	// Counts are totals since start, not what the ring holds.
	if n := r.Count(Pushed); n != 7 {
		t.Fatalf("Count(Pushed) = %d, want 7", n)
	}
}

func TestResultsAreOldestFirstAcrossTheWrap(t *testing.T) {
	r := NewRecorder(5, nil)
	// Two unrelated events, then a message whose events straddle the
	// ring's end.
	r.Record(Event{Stage: Pushed, Topic: "grpB", Seq: 1})
	r.Record(Event{Stage: Pushed, Topic: "grpB", Seq: 2})
	life(r, "grpA", "m1", 9) // slots 2, 3, 4, 0
	equalStages(t, "ByMsgID", r.ByMsgID("grpA", "m1"), Accepted, Stored, Pushed, Acked)
	equalStages(t, "BySeq", r.BySeq("grpA", 9), Accepted, Stored, Pushed, Acked)
}

func TestZeroCapacityKeepsOneEvent(t *testing.T) {
	r := NewRecorder(0, nil)
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 1})
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 2})
	if got := r.BySeq("grpA", 1); len(got) != 0 {
		t.Fatalf("seq 1 still kept: %+v", got)
	}
	equalStages(t, "seq 2", r.BySeq("grpA", 2), Pushed)
}

func TestIndexStaysBoundedAfterWrap(t *testing.T) {
	const capacity = 8
	r := NewRecorder(capacity, nil)
	for i := 1; i <= 1000; i++ {
		life(r, "grpA", fmt.Sprintf("m%d", i), i)
		r.mu.Lock()
		n := len(r.msgSeq)
		r.mu.Unlock()
		// Every indexed msgid belongs to a Stored event in the ring, and a
		// life is 4 events with one Stored.
		if n > capacity/4+1 {
			t.Fatalf("after %d messages the msgid index holds %d entries, ring holds %d events", i, n, capacity)
		}
	}
	// The newest message is still fully traceable, the oldest is gone.
	equalStages(t, "newest", r.ByMsgID("grpA", "m1000"), Accepted, Stored, Pushed, Acked)
	if got := r.ByMsgID("grpA", "m1"); len(got) != 0 {
		t.Fatalf("m1 should have been evicted, got %+v", got)
	}
}

func TestByMsgIDIncludesSeqOnlyEventsOnceStored(t *testing.T) {
	r := NewRecorder(100, nil)
	// A push for seq 3 of grpA before anything links it to a msgid.
	r.Record(Event{Stage: Accepted, Topic: "grpA", MsgID: "m1"})
	equalStages(t, "before stored", r.ByMsgID("grpA", "m1"), Accepted)

	r.Record(Event{Stage: Stored, Topic: "grpA", MsgID: "m1", Seq: 3})
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 3, Session: "s2", Attempt: 1})
	r.Record(Event{Stage: Retransmitted, Topic: "grpA", Seq: 3, Session: "s2", Attempt: 2})
	r.Record(Event{Stage: Acked, Topic: "grpA", Seq: 3, Session: "s2"})
	// Noise: the same seq in another topic, another seq in this topic, and
	// the same msgid in another topic stored at another seq.
	r.Record(Event{Stage: Pushed, Topic: "grpB", Seq: 3})
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 4})
	r.Record(Event{Stage: Stored, Topic: "grpC", MsgID: "m1", Seq: 7})
	r.Record(Event{Stage: Pushed, Topic: "grpC", Seq: 7})

	got := r.ByMsgID("grpA", "m1")
	equalStages(t, "grpA m1", got, Accepted, Stored, Pushed, Retransmitted, Acked)
	if got[3].Attempt != 2 || got[3].Session != "s2" {
		t.Fatalf("retransmission event lost its fields: %+v", got[3])
	}
	for _, e := range got {
		if e.Topic != "grpA" {
			t.Fatalf("event of another topic: %+v", e)
		}
	}
	// Without a topic, the msgid is looked up in every topic.
	equalStages(t, "any topic", r.ByMsgID("", "m1"), Accepted, Stored, Pushed, Retransmitted, Acked, Stored, Pushed)
	if got := r.ByMsgID("grpA", "nope"); len(got) != 0 {
		t.Fatalf("unknown msgid matched %+v", got)
	}
}

func TestBySeqIncludesMsgIDOnlyEvents(t *testing.T) {
	r := NewRecorder(100, nil)
	life(r, "grpA", "m1", 5)
	// The client sends m1 again: the duplicate knows only the msgid.
	r.Record(Event{Stage: Duplicate, Topic: "grpA", MsgID: "m1", Session: "s1"})
	// An Accepted event in the same topic for another message, which has
	// no seq either, must not be included.
	r.Record(Event{Stage: Accepted, Topic: "grpA", MsgID: "m2"})
	// The same msgid in another topic must not be included.
	r.Record(Event{Stage: Accepted, Topic: "grpB", MsgID: "m1"})

	equalStages(t, "BySeq", r.BySeq("grpA", 5), Accepted, Stored, Pushed, Acked, Duplicate)
	if got := r.BySeq("grpA", 6); len(got) != 0 {
		t.Fatalf("unknown seq matched %+v", got)
	}
}

func TestEmptyQueriesMatchNothing(t *testing.T) {
	r := NewRecorder(100, nil)
	r.Record(Event{Stage: Accepted, Topic: "grpA"}) // a pub without a msgid
	r.Record(Event{Stage: Pushed, Topic: "grpA"})   // an event without a seq
	if got := r.ByMsgID("grpA", ""); len(got) != 0 {
		t.Fatalf("empty msgid matched %+v", got)
	}
	if got := r.BySeq("grpA", 0); len(got) != 0 {
		t.Fatalf("seq 0 matched %+v", got)
	}
}

// A msgid stored again at a new seq (after the first copy was deleted) must
// stay linked to its new seq when the old Stored event leaves the ring.
func TestEvictingAnOldStoredEventKeepsTheNewerLink(t *testing.T) {
	r := NewRecorder(4, nil)
	r.Record(Event{Stage: Stored, Topic: "grpA", MsgID: "m1", Seq: 1})
	r.Record(Event{Stage: Stored, Topic: "grpA", MsgID: "m1", Seq: 2})
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 9})
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 9})
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 2}) // evicts Stored seq 1
	equalStages(t, "ByMsgID", r.ByMsgID("grpA", "m1"), Stored, Pushed)
	if got := r.ByMsgID("grpA", "m1"); got[1].Seq != 2 {
		t.Fatalf("push of seq %d, want 2", got[1].Seq)
	}
}

func TestCountsPerStage(t *testing.T) {
	r := NewRecorder(2, nil) // counts do not depend on what the ring keeps
	want := map[Stage]uint64{}
	for i, s := range Stages {
		for range i + 1 {
			r.Record(Event{Stage: s, Topic: "grpA", Seq: 1})
			want[s]++
		}
	}
	for _, s := range Stages {
		if got := r.Count(s); got != want[s] {
			t.Errorf("Count(%s) = %d, want %d", s, got, want[s])
		}
	}
	if got := r.Count("unknown"); got != 0 {
		t.Errorf("Count(unknown) = %d", got)
	}
}

func TestStagesListsEveryStageOnce(t *testing.T) {
	seen := map[Stage]bool{}
	for _, s := range Stages {
		if s == "" || seen[s] {
			t.Fatalf("stage %q empty or listed twice in %v", s, Stages)
		}
		seen[s] = true
	}
	for _, s := range []Stage{Accepted, Duplicate, Stored, Failed, Pushed, Retransmitted, Acked, GaveUp, Dropped} {
		if !seen[s] {
			t.Errorf("Stages misses %s", s)
		}
	}
}

func TestTimeDefaultsToNowAndIsKept(t *testing.T) {
	r := NewRecorder(10, nil)
	before := time.Now()
	r.Record(Event{Stage: Pushed, Topic: "grpA", Seq: 1})
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	r.Record(Event{Stage: Acked, Topic: "grpA", Seq: 1, Time: at})
	got := r.BySeq("grpA", 1)
	if got[0].Time.Before(before) || got[0].Time.Location() != time.UTC {
		t.Fatalf("default time %v, want now in UTC", got[0].Time)
	}
	if !got[1].Time.Equal(at) {
		t.Fatalf("given time replaced: %v", got[1].Time)
	}
}

func TestNilRecorderIsANoOp(t *testing.T) {
	var r *Recorder
	r.Record(Event{Stage: Stored, Topic: "grpA", MsgID: "m1", Seq: 1})
	if n := r.Count(Stored); n != 0 {
		t.Fatalf("nil Count = %d", n)
	}
	if got := r.ByMsgID("grpA", "m1"); got != nil {
		t.Fatalf("nil ByMsgID = %v", got)
	}
	if got := r.BySeq("grpA", 1); got != nil {
		t.Fatalf("nil BySeq = %v", got)
	}
}

func TestConcurrentRecordAndQuery(t *testing.T) {
	const writers, perWriter = 8, 500
	r := NewRecorder(writers*perWriter*4, nil)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := fmt.Sprintf("grp%d", w)
			for i := 1; i <= perWriter; i++ {
				life(r, topic, fmt.Sprintf("m%d", i), i)
			}
		}()
	}
	// Readers run alongside the writers; the race detector checks them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= perWriter; i++ {
			r.ByMsgID("", fmt.Sprintf("m%d", i))
			r.BySeq("grp0", i)
			r.Count(Stored)
		}
	}()
	wg.Wait()
	for _, s := range []Stage{Accepted, Stored, Pushed, Acked} {
		if n := r.Count(s); n != writers*perWriter {
			t.Errorf("Count(%s) = %d, want %d", s, n, writers*perWriter)
		}
	}
	// Nothing was evicted, so every message is complete and in order.
	for w := range writers {
		equalStages(t, "last message", r.ByMsgID(fmt.Sprintf("grp%d", w), fmt.Sprintf("m%d", perWriter)),
			Accepted, Stored, Pushed, Acked)
	}
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/proto"
)

// A batch repeated (its acknowledgement lost) is applied once; one that
// failed half way is applied from where it stopped; a new router takes
// every batch again, since it starts from the store.
func TestNoteReceiverAppliesEachNoteOnce(t *testing.T) {
	var r noteReceiver
	var applied []int
	failAt := -1
	apply := func(n routerNote) error {
		if n.Seq == failAt {
			return errors.New("the router is busy")
		}
		applied = append(applied, n.Seq)
		return nil
	}
	batch := func(node string, number uint64, seqs ...int) noteBatch {
		b := noteBatch{Node: node, Batch: number}
		for _, s := range seqs {
			b.Notes = append(b.Notes, routerNote{Kind: noteMessage, Topic: "grpX", User: 1, Seq: s})
		}
		return b
	}
	first, second := &desk.Router{}, &desk.Router{} // only their identity matters
	steps := []struct {
		rt   *desk.Router
		b    noteBatch
		fail int
		ok   bool
		want []int
	}{
		{first, batch("a", 1, 1, 2), -1, true, []int{1, 2}},
		{first, batch("a", 1, 1, 2), -1, true, []int{1, 2}},                 // repeated: nothing new
		{first, batch("b", 1, 10), -1, true, []int{1, 2, 10}},               // another node numbers its own
		{first, batch("a", 2, 3, 4, 5), 4, false, []int{1, 2, 10, 3}},       // fails at 4
		{first, batch("a", 2, 3, 4, 5), -1, true, []int{1, 2, 10, 3, 4, 5}}, // resumes at 4
		{first, batch("a", 1, 1, 2), -1, true, []int{1, 2, 10, 3, 4, 5}},    // an old one, late
		{second, batch("a", 2, 3, 4, 5), -1, true, []int{1, 2, 10, 3, 4, 5, 3, 4, 5}},
	}
	for i, s := range steps {
		failAt = s.fail
		if ok := r.take(s.rt, s.b, apply); ok != s.ok || !slices.Equal(applied, s.want) {
			t.Fatalf("step %d: take = %v, applied %v; want %v, %v", i, ok, applied, s.ok, s.want)
		}
	}
}

// The sender delivers notes in order, in numbered batches, repeating a
// batch until it is acknowledged, and flush returns once what was queued
// before it is delivered.
func TestNoteSenderRepeatsUntilAcknowledged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var got []noteBatch
		refuse := 3 // the router is moving: the first attempts are not answered
		try := func(b []byte) bool {
			mu.Lock()
			defer mu.Unlock()
			if refuse > 0 {
				refuse--
				return false
			}
			var nb noteBatch
			if err := json.Unmarshal(b, &nb); err != nil {
				t.Error(err)
			}
			got = append(got, nb)
			return true
		}
		s := newNoteSender("n1", try, slog.New(slog.NewTextHandler(io.Discard, nil)))
		stop := make(chan struct{})
		defer close(stop)
		go s.run(stop)
		for seq := 1; seq <= 3; seq++ {
			s.add(routerNote{Kind: noteMessage, Topic: "grpX", User: proto.Uid(5), Seq: seq})
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if err := s.flush(ctx); err != nil {
			t.Fatalf("flush: %v", err)
		}
		var seqs []int
		var batches []uint64
		mu.Lock()
		for _, b := range got {
			if b.Node != "n1" {
				t.Errorf("batch from %q, want n1", b.Node)
			}
			batches = append(batches, b.Batch)
			for _, n := range b.Notes {
				seqs = append(seqs, n.Seq)
			}
		}
		mu.Unlock()
		if !slices.Equal(seqs, []int{1, 2, 3}) {
			t.Errorf("delivered %v, want 1, 2, 3 once each in order", seqs)
		}
		if !slices.IsSorted(batches) || len(slices.Compact(slices.Clone(batches))) != len(batches) || batches[0] != 1 {
			t.Errorf("batch numbers %v, want rising from 1", batches)
		}
		// Nothing queued: flush returns at once.
		if err := s.flush(ctx); err != nil {
			t.Errorf("empty flush: %v", err)
		}
	})
}

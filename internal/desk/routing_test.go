package desk

import (
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// TestETA: the estimate is the position times the team's recent pace, and
// there is none before enough of the queue has been served.
func TestETA(t *testing.T) {
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	r := newRouting(func() time.Time { return clock })
	r.setTeam("sales", store.OnOfflineRequeue)
	r.setAgent(1, 1, []string{"sales"}, true)
	r.setStatus(1, StatusOnline)
	for i := range 10 {
		r.open(proto.GroupName(uint64(100+i)), proto.Uid(100+i), "sales", 0, false, false)
	}
	if _, _, has := r.position(proto.GroupName(105)); has {
		t.Fatal("an estimate before any of the queue was served")
	}
	// The agent finishes one conversation every 10 s: the next head is
	// pulled each time.
	for i := range 5 {
		clock = clock.Add(10 * time.Second)
		if err := r.closeConv(proto.GroupName(uint64(100+i)), 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	r.take()
	moved := r.takeMoved()
	pos, eta, has := r.position(proto.GroupName(108))
	if !has || pos != 3 || eta != 30 {
		t.Errorf("position %d eta %d (%v), want 3 and 30 s", pos, eta, has)
	}
	last := moved[len(moved)-1]
	if !last.HasETA || last.ETA != last.Position*10 {
		t.Errorf("the last position change %+v: want an eta of 10 s a place", last)
	}
}

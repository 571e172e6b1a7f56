package desk

import (
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// BenchmarkAssignWith10000Queued measures routing decisions with 10,000
// conversations waiting in one team and 20 busy agents: each iteration
// closes one held conversation, which pulls the queue head to the freed
// slot (one assignment decision, with its position updates).
func BenchmarkAssignWith10000Queued(b *testing.B) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRouting(func() time.Time { return clock })
	r.setTeam("sales", store.OnOfflineRequeue)
	for i := range 20 {
		r.setAgent(proto.Uid(1+i), 5, []string{"sales"}, true)
		r.setStatus(proto.Uid(1+i), StatusOnline)
	}
	next := 0
	openOne := func() {
		next++
		r.open(fmt.Sprintf("grp%07d", next), proto.Uid(1000+next), "sales", 0, false, false)
	}
	for range 100 + 10_000 { // fills every slot, then the queue
		openOne()
	}
	r.take()
	r.takeMoved()
	held := make([]string, 0, 100)
	for _, a := range r.agents {
		for topic := range a.convs {
			held = append(held, topic)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		topic := held[i%len(held)]
		if err := r.closeConv(topic, 1, ""); err != nil {
			b.Fatal(err)
		}
		ev := r.take()
		var got string
		for _, e := range ev {
			if e.Kind == EvAssigned {
				got = e.Conv.Topic
			}
		}
		if got == "" {
			b.Fatal("a freed slot pulled nothing")
		}
		held[i%len(held)] = got
		openOne() // keep 10,000 waiting
		r.take()
		r.takeMoved()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

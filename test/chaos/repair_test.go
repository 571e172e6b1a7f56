package chaos

import (
	"testing"
	"time"
)

// Only frames dropped the first time count, from their first sighting to
// the first ack that covers them, whichever way the ack comes.
func TestRepairTimes(t *testing.T) {
	var sink repairs
	c := newConnRepairs(&sink)
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	data := func(topic string, seq int) []byte {
		return []byte(`{"data":{"topic":"` + topic + `","seq":` + string(rune('0'+seq)) + `}}`)
	}
	c.toClient(data("a", 1), false, at(0))
	c.toClient(data("a", 2), true, at(10))  // lost
	c.toClient(data("a", 2), false, at(60)) // the copy that repairs it
	c.toClient(data("b", 1), true, at(20))  // lost
	c.toClient(data("b", 1), false, at(30))
	c.toClient([]byte(`{"ctrl":{"code":200}}`), true, at(40))
	c.fromClient([]byte(`{"note":{"seq":1,"topic":"a","what":"recv"}}`), at(70)) // not yet seq 2
	c.fromClient([]byte(`{"note":{"seq":2,"topic":"a","what":"kp"}}`), at(75))   // not an ack
	c.fromClient([]byte(`{"note":{"seq":2,"topic":"a","what":"recv"}}`), at(90))
	c.fromClient([]byte(`{"datares":{"acks":[{"seq":1,"topic":"b"}]}}`), at(120))
	c.fromClient([]byte(`{"note":{"seq":2,"topic":"a","what":"recv"}}`), at(200)) // again: counted once
	c.toClient(data("a", 2), true, at(210))                                       // acked already: no repair
	c.fromClient([]byte(`{"note":{"seq":3,"topic":"a","what":"recv"}}`), at(220))
	got := sink.stats()
	if got.Repaired != 2 || got.P50 != 80*time.Millisecond || got.P99 != 100*time.Millisecond {
		t.Fatalf("repairs %+v, want 2: 80ms (a 2) and 100ms (b 1)", got)
	}
}

func TestRepairPercentiles(t *testing.T) {
	var r repairs
	for i := 1; i <= 200; i++ {
		r.add(time.Duration(i) * time.Millisecond)
	}
	r.add(time.Second)
	r.add(3 * time.Second)
	if s := r.stats(); s.Repaired != 202 || s.P50 != 101*time.Millisecond || s.P90 != 182*time.Millisecond ||
		s.P99 != 200*time.Millisecond || s.OverSecond != 2 {
		t.Fatalf("stats %+v, want p50 101ms p90 182ms p99 200ms, 2 over a second", s)
	}
	if s := (&repairs{}).stats(); s.Repaired != 0 {
		t.Fatalf("empty stats %+v", s)
	}
}

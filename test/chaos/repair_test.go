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
	if got.Pushed.Repaired != 2 || got.Pushed.P50 != 80*time.Millisecond || got.Pushed.P99 != 100*time.Millisecond {
		t.Fatalf("repairs %+v, want 2: 80ms (a 2) and 100ms (b 1)", got.Pushed)
	}
	if got.Paged.Repaired != 0 {
		t.Fatalf("%d history frames counted, there were none", got.Paged.Repaired)
	}
}

// Frames answering a get data, or a sub carrying one, are history pages
// until the page's closing ctrl, and are counted apart from pushes.
func TestRepairTimesOfHistoryPages(t *testing.T) {
	var sink repairs
	c := newConnRepairs(&sink)
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	c.fromClient([]byte(`{"sub":{"get":{"data":{"since":1},"what":"data"},"id":"s1","topic":"a"}}`), at(0))
	c.toClient([]byte(`{"ctrl":{"id":"s1","topic":"a","code":200}}`), false, at(1))
	c.toClient([]byte(`{"data":{"topic":"a","seq":1}}`), true, at(2)) // in the page: lost
	c.toClient([]byte(`{"ctrl":{"id":"s1","topic":"a","code":208}}`), false, at(3))
	c.toClient([]byte(`{"data":{"topic":"a","seq":2}}`), true, at(4)) // pushed: lost
	c.fromClient([]byte(`{"get":{"data":{"before":4,"since":3},"id":"g2","topic":"a","what":"data"}}`), at(5))
	c.toClient([]byte(`{"data":{"topic":"a","seq":3}}`), true, at(6)) // in the page: lost
	c.toClient([]byte(`{"data":{"topic":"a","seq":4}}`), true, at(7)) // above the page: a push
	c.fromClient([]byte(`{"note":{"seq":4,"topic":"a","what":"recv"}}`), at(100))
	got := sink.stats()
	if got.Pushed.Repaired != 2 || got.Pushed.P99 != 96*time.Millisecond {
		t.Fatalf("pushes %+v, want seq 2 and 4 (96ms)", got.Pushed)
	}
	if got.Paged.Repaired != 2 || got.Paged.P99 != 98*time.Millisecond {
		t.Fatalf("history frames %+v, want seq 1 (98ms) and 3", got.Paged)
	}
}

func TestRepairPercentiles(t *testing.T) {
	var times []time.Duration
	for i := 200; i >= 1; i-- {
		times = append(times, time.Duration(i)*time.Millisecond)
	}
	times = append(times, 3*time.Second, time.Second)
	if s := summarize(times); s.Repaired != 202 || s.P50 != 101*time.Millisecond || s.P90 != 182*time.Millisecond ||
		s.P99 != 200*time.Millisecond || s.OverSecond != 2 {
		t.Fatalf("stats %+v, want p50 101ms p90 182ms p99 200ms, 2 over a second", s)
	}
	if s := summarize(nil); s.Repaired != 0 {
		t.Fatalf("empty stats %+v", s)
	}
}

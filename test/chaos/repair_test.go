package chaos

import (
	"strconv"
	"testing"
	"time"
)

// repairScript feeds a connRepairs frames at given milliseconds.
type repairScript struct {
	c  *connRepairs
	t0 time.Time
}

func (s repairScript) at(ms int) time.Time { return s.t0.Add(time.Duration(ms) * time.Millisecond) }

func (s repairScript) data(ms int, topic string, seq int, dropped bool) {
	s.c.toClient([]byte(`{"data":{"topic":"`+topic+`","seq":`+strconv.Itoa(seq)+`}}`), dropped, s.at(ms))
}

func (s repairScript) server(ms int, frame string) { s.c.toClient([]byte(frame), false, s.at(ms)) }
func (s repairScript) client(ms int, frame string) { s.c.fromClient([]byte(frame), s.at(ms)) }

// A frame dropped the first time counts from its first sighting to the
// first ack that covers it, whichever way the ack comes, once a later copy
// has passed; a frame the client acks past without a copy needed no repair.
func TestRepairTimes(t *testing.T) {
	var sink repairs
	s := repairScript{newConnRepairs(&sink), time.Unix(1000, 0)}
	s.data(0, "a", 1, false)
	s.data(10, "a", 2, true)  // lost
	s.data(40, "a", 2, true)  // its first resend, lost too
	s.data(60, "a", 2, false) // the copy that repairs it
	s.data(20, "b", 1, true)  // lost
	s.data(30, "b", 1, false)
	s.data(35, "b", 2, true) // lost, never sent again
	s.server(40, `{"ctrl":{"code":200}}`)
	s.client(70, `{"note":{"seq":1,"topic":"a","what":"recv"}}`) // not yet seq 2
	s.client(75, `{"note":{"seq":2,"topic":"a","what":"kp"}}`)   // not an ack
	s.client(90, `{"note":{"seq":2,"topic":"a","what":"recv"}}`)
	s.client(120, `{"datares":{"acks":[{"seq":2,"topic":"b"}]}}`)
	s.client(200, `{"note":{"seq":2,"topic":"a","what":"recv"}}`) // again: counted once
	s.data(210, "a", 2, true)                                     // acked already: no repair
	s.data(215, "a", 2, false)
	s.client(220, `{"note":{"seq":3,"topic":"a","what":"recv"}}`)
	got := sink.stats()
	if got.All.Repaired != 2 || got.All.P50 != 80*time.Millisecond || got.All.P99 != 100*time.Millisecond {
		t.Fatalf("repairs %+v, want 2: 80ms (a 2) and 100ms (b 1)", got.All)
	}
	if got.Resent.Repaired != 2 || got.Refetched.Repaired != 0 {
		t.Fatalf("%d resent, %d refetched; want both resent", got.Resent.Repaired, got.Refetched.Repaired)
	}
}

// A copy answering a get data, or a sub carrying one, until the page's
// closing ctrl, is a refetch; a copy outside the page is the gateway's.
func TestRepairsByRefetch(t *testing.T) {
	var sink repairs
	s := repairScript{newConnRepairs(&sink), time.Unix(1000, 0)}
	s.data(0, "a", 1, true)
	s.data(1, "a", 2, true)
	s.data(2, "a", 3, true)
	s.client(10, `{"get":{"data":{"before":3,"since":1},"id":"g1","topic":"a","what":"data"}}`)
	s.server(11, `{"ctrl":{"id":"g1","topic":"a","code":200}}`) // not the end of the page
	s.data(12, "a", 1, false)
	s.data(13, "a", 2, false)
	s.server(14, `{"ctrl":{"id":"g1","topic":"a","code":208}}`)
	s.data(15, "a", 3, false) // after the page: the gateway's
	s.client(20, `{"sub":{"get":{"data":{"since":4},"what":"data"},"id":"s2","topic":"b"}}`)
	s.data(21, "b", 4, true)
	s.data(22, "b", 4, false) // in the open page
	s.client(100, `{"note":{"seq":3,"topic":"a","what":"recv"}}`)
	s.client(100, `{"note":{"seq":4,"topic":"b","what":"recv"}}`)
	got := sink.stats()
	if got.Refetched.Repaired != 3 || got.Resent.Repaired != 1 || got.Resent.P50 != 98*time.Millisecond {
		t.Fatalf("refetched %+v, resent %+v; want a1, a2, b4 refetched and a3 resent after 98ms",
			got.Refetched, got.Resent)
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

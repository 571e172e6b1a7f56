package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

func TestHistQuantiles(t *testing.T) {
	var h Hist
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram quantile not 0")
	}
	for v := int64(1); v <= 10000; v++ {
		h.Record(v * 1000) // 1 µs … 10 ms
	}
	check := func(q float64, want int64) {
		got := h.Quantile(q)
		if d := float64(got-want) / float64(want); d > 0.02 || d < -0.02 {
			t.Errorf("q%.3f = %d, want %d ±2%%", q, got, want)
		}
	}
	check(0.5, 5_000_000)
	check(0.99, 9_900_000)
	check(0.999, 9_990_000)
	if h.Max() != 10_000_000 || h.Min() != 1000 || h.Count() != 10000 {
		t.Errorf("max/min/count = %d/%d/%d", h.Max(), h.Min(), h.Count())
	}
	if h.Quantile(1) != h.Max() {
		t.Error("q1 is not the max")
	}
	// Small values are exact; merging adds up.
	var a, b Hist
	for v := int64(0); v < 64; v++ {
		a.Record(v)
	}
	b.Record(-5)
	b.Record(1 << 40)
	a.Merge(&b)
	if a.Count() != 66 || a.Max() != 1<<40 || a.Min() != 0 {
		t.Errorf("merged count/max/min = %d/%d/%d", a.Count(), a.Max(), a.Min())
	}
	if got := a.Quantile(0.5); got != 31 {
		t.Errorf("p50 of 0..63 (+2) = %d, want 31", got)
	}
	for v := int64(1); v < 1<<50; v = v*3 + 1 {
		if bv := bucketValue(bucketOf(v)); float64(bv) < float64(v)*0.98 || float64(bv) > float64(v)*1.02 {
			t.Fatalf("bucket value %d for %d", bv, v)
		}
	}
}

func TestCheckerCounts(t *testing.T) {
	var c Checker
	for seq := 1; seq <= 5; seq++ {
		if !c.Observe(seq, seq) {
			t.Fatalf("seq %d not fresh", seq)
		}
	}
	// A retransmission of seq 3: redelivered, not a duplicate.
	if c.Observe(3, 3) {
		t.Fatal("retransmitted seq reported fresh")
	}
	// Seq 8 arrives, then 7: a hole (6) and one out of order.
	c.Observe(8, 8)
	c.Observe(7, 7)
	// The message n=2 again under a new seq: a duplicate shown.
	c.Observe(9, 2)
	if c.Redelivered != 1 || c.OutOfOrder != 1 || c.Duplicates != 1 || c.Fresh != 8 {
		t.Errorf("redelivered/ooo/dup/fresh = %d/%d/%d/%d, want 1/1/1/8", c.Redelivered, c.OutOfOrder, c.Duplicates, c.Fresh)
	}
	if c.Contiguous() != 5 || c.Max() != 9 {
		t.Errorf("contiguous/max = %d/%d, want 5/9", c.Contiguous(), c.Max())
	}
	var acked bitset
	for seq := 1; seq <= 10; seq++ {
		acked.set(seq)
	}
	if lost := c.Lost(acked); lost != 2 { // 6 and 10
		t.Errorf("lost = %d, want 2", lost)
	}
	c.Observe(6, 6)
	if c.Contiguous() != 9 {
		t.Errorf("contiguous after filling the hole = %d, want 9", c.Contiguous())
	}
}

func startServer(t *testing.T) *servertest.Server {
	return servertest.Start(t, func(c *server.Config) { c.RatePerSecond, c.RateBurst = 1e6, 1e6 })
}

func opts(addr string) Options {
	return Options{Addr: addr, Duration: time.Second, Warmup: 200 * time.Millisecond, Drain: 10 * time.Second,
		Pairs: 2, Conns: 5, Window: 8, Size: 100, Messages: 5, Accounts: 2, SignupPar: 4, ConnectPar: 8}
}

func runScenario(t *testing.T, scenario string, o Options) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, scenario, o)
	if err != nil {
		t.Fatalf("%s: %v", scenario, err)
	}
	var buf bytes.Buffer
	WriteTable(&buf, res)
	t.Log("\n" + buf.String())
	if res.Delivered == 0 {
		t.Errorf("%s: no messages delivered", scenario)
	}
	if res.Lost != 0 || res.Duplicates != 0 || res.OutOfOrder != 0 || res.Incomplete != 0 {
		t.Errorf("%s: lost %d, duplicates %d, out of order %d, incomplete %d", scenario, res.Lost, res.Duplicates, res.OutOfOrder, res.Incomplete)
	}
	if res.Errors != 0 {
		t.Errorf("%s: %d errors %v", scenario, res.Errors, res.ErrorCodes)
	}
	return res
}

func saneLatency(t *testing.T, l *Latency) {
	t.Helper()
	if l == nil || l.Count == 0 {
		t.Fatal("no latency samples")
	}
	if !(l.P50 > 0 && l.P50 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max && l.Max < 10_000) {
		t.Errorf("latency not sane: %+v", *l)
	}
}

func TestPairs(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	res := runScenario(t, "pairs", opts(srv.Addr))
	if res.MsgPerSec <= 0 || res.Acked == 0 {
		t.Errorf("throughput %v, acked %d", res.MsgPerSec, res.Acked)
	}
	saneLatency(t, res.Latency)
}

func TestOpenLoop(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := opts(srv.Addr)
	o.Rate, o.Pairs = 200, 1
	res := runScenario(t, "openloop", o)
	saneLatency(t, res.Latency)
	// 200 msg/s over warmup+duration, scheduled by the clock.
	if res.Sent < 200 || res.Sent > 260 {
		t.Errorf("sent %d at 200/s for 1.2 s", res.Sent)
	}
}

func TestFanout(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := opts(srv.Addr)
	o.Conns = 3
	o.MetricsURL = "http://" + srv.Addr + "/metrics"
	res := runScenario(t, "fanout", o)
	if res.Receivers != 3 || res.DeliveriesPerSec <= 0 {
		t.Errorf("receivers %d, deliveries/s %v", res.Receivers, res.DeliveriesPerSec)
	}
	saneLatency(t, res.Latency)
	// The server's share: deliveries it wrote between the scrapes (at
	// most all of the run's), no longer than what the receivers saw end to
	// end (allowing a bucket's width of interpolation).
	sd := res.ServerDelivery
	if sd == nil || sd.Count == 0 || sd.Count > uint64(res.Delivered) {
		t.Fatalf("server delivery %+v for %d deliveries; notes %v", sd, res.Delivered, res.Notes)
	}
	if !(sd.P50 > 0 && sd.P50 <= sd.P99 && sd.P99 <= 2*res.Latency.Max+0.2) {
		t.Errorf("server share not sane: %+v beside %+v", *sd, *res.Latency)
	}
}

func TestIdle(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := opts(srv.Addr)
	o.Conns, o.PIDs = 20, []int{os.Getpid()}
	res := runScenario(t, "idle", o)
	if res.Delivered != 20 || res.RSSAfterKB == 0 || res.RSSBeforeKB == 0 {
		t.Errorf("delivered %d, rss %d → %d", res.Delivered, res.RSSBeforeKB, res.RSSAfterKB)
	}
}

func TestStorm(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := opts(srv.Addr)
	o.Conns, o.Messages = 10, 5
	res := runScenario(t, "storm", o)
	// 10 clients, each got the first message and then 5 more.
	if res.Delivered != 60 || res.CatchUpSeconds <= 0 || res.CatchUp == nil || res.CatchUp.Count != 10 {
		t.Errorf("delivered %d, catch-up %v s, %+v", res.Delivered, res.CatchUpSeconds, res.CatchUp)
	}
}

func TestMainJSONAndUsage(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := Main(nil, &out, &errb); code != 2 {
		t.Errorf("no args: exit %d", code)
	}
	if code := Main([]string{"nope"}, &out, &errb); code != 2 {
		t.Errorf("unknown scenario: exit %d", code)
	}
	srv := startServer(t)
	out.Reset()
	code := Main([]string{"pairs", "--addr", srv.Addr, "--pairs", "1", "--duration", "500ms", "--warmup", "100ms", "--json", "--quiet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Scenario != "pairs" || res.Acked == 0 {
		t.Errorf("json result %q: %v", out.String(), err)
	}
}

package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// sideMetric is one figure of a result that the side-by-side table
// compares; ok is false when the result does not carry it.
type sideMetric struct {
	name   string
	higher bool // higher is better
	value  func(*Result) (float64, bool)
}

func positive(v float64) (float64, bool) { return v, v > 0 }

var sideMetrics = []sideMetric{
	{"acked msg/s", true, func(r *Result) (float64, bool) {
		if r.Scenario == "fanout" {
			return 0, false
		}
		return positive(r.MsgPerSec)
	}},
	{"deliveries/s", true, func(r *Result) (float64, bool) {
		if r.Scenario != "fanout" {
			return 0, false
		}
		return positive(r.DeliveriesPerSec)
	}},
	{"p50 ms", false, func(r *Result) (float64, bool) {
		if r.Latency == nil {
			return 0, false
		}
		return positive(r.Latency.P50)
	}},
	{"p99 ms", false, func(r *Result) (float64, bool) {
		if r.Latency == nil {
			return 0, false
		}
		return positive(r.Latency.P99)
	}},
	{"server CPU µs/msg", false, func(r *Result) (float64, bool) {
		if r.Scenario == "fanout" {
			return 0, false
		}
		return positive(r.CPUMicrosPerMsg)
	}},
	{"deliveries per CPU-s", true, func(r *Result) (float64, bool) {
		if r.Scenario != "fanout" {
			return 0, false
		}
		return positive(r.DeliveriesPerCPUSecond)
	}},
	{"server RSS MB", false, func(r *Result) (float64, bool) { return positive(float64(r.ServerRSSKB) / 1024) }},
	{"bytes per idle conn", false, func(r *Result) (float64, bool) { return positive(r.BytesPerConn) }},
	{"storm catch-up s", false, func(r *Result) (float64, bool) { return positive(r.CatchUpSeconds) }},
	{"frames resent by the server", false, func(r *Result) (float64, bool) { return positive(float64(r.Redelivered)) }},
	{"errors", false, func(r *Result) (float64, bool) { return float64(r.Errors), r.Errors > 0 }},
}

// spread is the median and range of a set of runs' values.
type spread struct {
	n                int
	median, min, max float64
}

func spreadOf(vs []float64) spread {
	if len(vs) == 0 {
		return spread{}
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{n: len(s), median: m, min: s[0], max: s[len(s)-1]}
}

func (s spread) String() string {
	if s.n == 0 {
		return "–"
	}
	if s.n == 1 {
		return formatValue(s.median)
	}
	return fmt.Sprintf("**%s** (%s–%s)", formatValue(s.median), formatValue(s.min), formatValue(s.max))
}

// formatValue prints a figure with as many digits as it deserves.
func formatValue(v float64) string {
	switch {
	case v >= 1000:
		return groupThousands(fmt.Sprintf("%.0f", v))
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func groupThousands(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// values collects metric m of peer's successful runs of scenario.
func values(runs []SideRun, peer, scenario string, m sideMetric) []float64 {
	var vs []float64
	for _, r := range runs {
		if r.Peer != peer || r.Scenario != scenario || r.Result == nil {
			continue
		}
		if v, ok := m.value(r.Result); ok {
			vs = append(vs, v)
		} else if m.name == "errors" {
			vs = append(vs, 0)
		}
	}
	return vs
}

// WriteSideTable writes the comparison as markdown: one row per scenario
// and metric, each peer's median and range over its runs, and B/A of the
// medians.
func WriteSideTable(w io.Writer, o SideOptions, runs []SideRun, started time.Time) {
	fmt.Fprintf(w, "Side by side, %s UTC: %s = `%s`, %s = `%s`; %d runs of each scenario per server, alternating (A B, then B A). Flags for every run: `%s`.\n\n",
		started.Format("2006-01-02 15:04"), o.A.Name, o.A.Addr, o.B.Name, o.B.Addr, o.Runs, strings.Join(o.Common, " "))
	fmt.Fprintf(w, "| scenario | metric | %s median (range) | %s median (range) | %s / %s |\n", o.A.Name, o.B.Name, o.B.Name, o.A.Name)
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, sc := range o.Scenarios {
		for _, m := range sideMetrics {
			a, b := spreadOf(values(runs, o.A.Name, sc, m)), spreadOf(values(runs, o.B.Name, sc, m))
			if a.n == 0 && b.n == 0 || m.name == "errors" && a.max == 0 && b.max == 0 {
				continue
			}
			fmt.Fprintf(w, "| `%s` | %s (%s better) | %s | %s | %s |\n", sc, m.name, better(m), a, b, ratio(a, b))
		}
	}
	var failed []string
	for _, r := range runs {
		if r.Err != "" {
			failed = append(failed, fmt.Sprintf("%s `%s`: %s", r.Peer, r.Scenario, r.Err))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "\nFailed runs (left out of the medians when they produced no result):\n\n- %s\n", strings.Join(failed, "\n- "))
	}
}

func better(m sideMetric) string {
	if m.higher {
		return "higher"
	}
	return "lower"
}

func ratio(a, b spread) string {
	if a.n == 0 || b.n == 0 || a.median == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", b.median/a.median)
}

// Package loadtest is `parley bench`: a load generator speaking Tinode's
// JSON wire protocol over WebSocket to any Tinode-protocol server, so the
// same tool measures Parley and its peers. It creates its own accounts,
// counts lost, duplicated and out-of-order messages at the receivers, and
// measures throughput, latency, memory per connection and reconnect storms.
// See docs/loadtest.md.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"
)

const usage = `usage: parley bench <scenario> --addr host:port [flags]

scenarios:
  pairs     N one-to-one pairs, closed loop with a window of pubs in flight
  fanout    one sender, a group of N receivers
  idle      N idle authenticated connections; server RSS per connection (--pid)
  storm     M clients drop, K messages per group sent, all reconnect at once
  openloop  fixed rate scheduled by the clock; latency from the scheduled time

  side-by-side  the same scenarios against two servers alternately, a table
                of medians, ranges and ratios (parley bench side-by-side --help)
`

// Main parses args (scenario first, then flags), runs the scenario and
// writes the result to stdout; progress goes to stderr. It returns the exit
// code: 0 ok, 1 run failed or messages were lost/duplicated/reordered, 2 usage.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(args) > 0 && args[0] == "side-by-side" {
		return SideBySideMain(ctx, args[1:], stdout, stderr)
	}
	return mainContext(ctx, args, stdout, stderr)
}

// mainContext is Main for one scenario, ending when ctx does.
func mainContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, usage)
		return 2
	}
	scenario := args[0]
	switch scenario {
	case "pairs", "fanout", "idle", "storm", "openloop":
	default:
		fmt.Fprintf(stderr, "unknown scenario %q\n%s", scenario, usage)
		return 2
	}
	fs := flag.NewFlagSet("bench "+scenario, flag.ContinueOnError)
	// Help goes to stdout and exits 0; a flag error goes to stderr.
	var flagOut bytes.Buffer
	fs.SetOutput(&flagOut)
	fs.Usage = func() {
		fmt.Fprintf(&flagOut, "usage: parley bench %s --addr host:port [flags]\n\nflags:\n", scenario)
		fs.PrintDefaults()
	}
	var o Options
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:6060", "server host:port (loopback or an address you own); several, comma-separated, spread the clients over a cluster's nodes")
	fs.StringVar(&o.APIKey, "apikey", "", "API key sent as the apikey query parameter")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured duration (idle: how long connections are held)")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "sending before measuring starts")
	fs.DurationVar(&o.Drain, "drain", 10*time.Second, "at most this long to wait for in-flight deliveries at the end")
	conns := fs.Int("conns", 0, "fanout receivers / idle connections / storm clients (default 200 / 2000 / 500)")
	fs.IntVar(&o.Pairs, "pairs", 0, "pairs (default 50; openloop 10)")
	fs.IntVar(&o.Window, "window", 16, "pubs in flight per sender (closed loop)")
	fs.Float64Var(&o.Rate, "rate", 0, "msg/s in total: openloop (default 2000), optional for fanout")
	fs.IntVar(&o.Size, "size", 128, "approximate content size in bytes")
	fs.IntVar(&o.Messages, "messages", 20, "storm: messages per group sent while clients are away")
	fs.IntVar(&o.Accounts, "accounts", 50, "idle/storm: distinct accounts; connections share their tokens")
	fs.IntVar(&o.SignupPar, "signup-par", 4, "concurrent account creations (bcrypt on the server)")
	fs.IntVar(&o.ConnectPar, "connect-par", 32, "concurrent connection set-ups")
	pids := fs.String("pid", "", "server PID[,PID...]: CPU seconds (with each process's descendants) and RSS from /proc for the scenario (idle: RSS per connection)")
	receipts := fs.String("receipts", string(ReceiptsTinode), "receivers' {note recv}: tinode (one per topic when a timer re-armed on every {data} fires), batch (every 16 messages and 100 ms) or none")
	fs.DurationVar(&o.ReceiptDelay, "receipt-delay", defaultReceiptDelay, "tinode receipts: quiet time after the last {data}")
	fs.StringVar(&o.CredEmail, "cred-email", "", "sign-up: offer an email credential login@DOMAIN (for servers that require one)")
	fs.StringVar(&o.CredResp, "cred-resp", "", "sign-up: the confirmation response to send when the server asks to validate the email")
	fs.BoolVar(&o.Protobuf, "protobuf", false, "speak protobuf (WebSocket subprotocol parley-protobuf) instead of JSON")
	fs.StringVar(&o.MetricsURL, "metrics-url", "", "fanout: the server's /metrics, for its own share of delivery latency (default http://ADDR/metrics of the first --addr; \"none\" to skip)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			stdout.Write(flagOut.Bytes())
			return 0
		}
		stderr.Write(flagOut.Bytes())
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %v\n", fs.Args())
		return 2
	}
	def := map[string]int{"fanout": 200, "idle": 2000, "storm": 500}
	o.Conns = *conns
	if o.Conns <= 0 {
		o.Conns = def[scenario]
	}
	if o.Pairs <= 0 {
		o.Pairs = 50
		if scenario == "openloop" {
			o.Pairs = 10
		}
	}
	if scenario == "openloop" && o.Rate <= 0 {
		o.Rate = 2000
	}
	o.MetricsURL = metricsURL(o.MetricsURL, o.Addr)
	if o.Window < 1 || o.Duration <= 0 || o.Warmup < 0 || o.Size < 0 || o.Messages < 0 {
		fmt.Fprintln(stderr, "bench: --window ≥ 1, --duration > 0, --warmup, --size, --messages ≥ 0")
		return 2
	}
	var err error
	if o.Receipts, err = ParseReceipts(*receipts); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if o.PIDs, err = parsePIDs(*pids); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if o.ReceiptDelay <= 0 {
		fmt.Fprintln(stderr, "bench: --receipt-delay > 0")
		return 2
	}
	for _, a := range strings.Split(o.Addr, ",") {
		if _, _, err := net.SplitHostPort(a); err != nil {
			fmt.Fprintf(stderr, "bench: --addr: %v\n", err)
			return 2
		}
	}
	if !*quiet {
		o.Progress = stderr
	}
	// Bounded: the whole run cannot outlive its own phases by much.
	ctx, cancel := context.WithTimeout(ctx, o.Warmup+o.Duration+3*o.Drain+5*time.Minute)
	defer cancel()
	res, err := Run(ctx, scenario, o)
	if err != nil {
		fmt.Fprintf(stderr, "bench %s: %v\n", scenario, err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		WriteTable(stdout, res)
	}
	if res.Lost+res.Duplicates+res.OutOfOrder > 0 {
		return 1
	}
	return 0
}

// WriteTable prints a result as a readable two-column table.
func WriteTable(w io.Writer, r *Result) {
	row := func(k string, v any) { fmt.Fprintf(w, "  %-22s %v\n", k, v) }
	fmt.Fprintf(w, "parley bench %s → %s\n", r.Scenario, r.Addr)
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ps []string
	for _, k := range keys {
		ps = append(ps, fmt.Sprintf("%s=%v", k, r.Params[k]))
	}
	row("params", strings.Join(ps, " "))
	row("measured", fmt.Sprintf("%.1f s", r.Seconds))
	row("pubs sent/acked", fmt.Sprintf("%d / %d", r.Sent, r.Acked))
	if r.Errors > 0 {
		row("errors", fmt.Sprintf("%d %v", r.Errors, r.ErrorCodes))
	}
	if r.MsgPerSec > 0 {
		row("throughput (acked)", fmt.Sprintf("%.0f msg/s", r.MsgPerSec))
	}
	row("delivered (all)", r.Delivered)
	if r.DeliveriesPerSec > 0 {
		row("deliveries", fmt.Sprintf("%.0f /s", r.DeliveriesPerSec))
	}
	if l := r.Latency; l != nil {
		row("latency p50/p99/p99.9", fmt.Sprintf("%.2f / %.2f / %.2f ms", l.P50, l.P99, l.P999))
		row("latency max/mean", fmt.Sprintf("%.2f / %.2f ms (%d samples)", l.Max, l.Mean, l.Count))
	}
	if l := r.ServerDelivery; l != nil {
		row("server share p50/p99", fmt.Sprintf("%.2f / %.2f ms, mean %.2f ms (%d deliveries, commit to socket)", l.P50, l.P99, l.Mean, l.Count))
	}
	if l := r.ServerQueued; l != nil {
		row("  of it queued p50/p99", fmt.Sprintf("%.2f / %.2f ms, mean %.2f ms (commit to the writer taking it)", l.P50, l.P99, l.Mean))
	}
	row("receipts", fmt.Sprintf("%s (%d sent)", r.Receipts, r.ReceiptsSent))
	if r.ServerCPUSeconds > 0 {
		row("server CPU", fmt.Sprintf("%.2f s, RSS %d kB", r.ServerCPUSeconds, r.ServerRSSKB))
		row("msgs per CPU-second", fmt.Sprintf("%.0f (%.1f µs/msg)", r.MsgPerCPUSecond, r.CPUMicrosPerMsg))
		row("deliveries per CPU-s", fmt.Sprintf("%.0f", r.DeliveriesPerCPUSecond))
	}
	if r.RSSAfterKB > 0 {
		row("server RSS before", fmt.Sprintf("%d kB", r.RSSBeforeKB))
		row("server RSS connected", fmt.Sprintf("%d kB (end %d kB)", r.RSSAfterKB, r.RSSEndKB))
		row("per connection", fmt.Sprintf("%.0f B", r.BytesPerConn))
	}
	if r.Scenario == "storm" {
		row("all caught up in", fmt.Sprintf("%.3f s", r.CatchUpSeconds))
		if c := r.CatchUp; c != nil {
			row("per client p50/p99", fmt.Sprintf("%.1f / %.1f ms (%d clients)", c.P50, c.P99, c.Count))
		}
		row("gap notices", r.GapNotices)
	}
	if r.WireBytesPerDelivery > 0 {
		row("bytes read per delivery", fmt.Sprintf("%.0f B (%d B in all, set-up included)", r.WireBytesPerDelivery, r.WireBytesIn))
	}
	row("receivers", fmt.Sprintf("%d (%d incomplete)", r.Receivers, r.Incomplete))
	row("lost", r.Lost)
	row("duplicates", r.Duplicates)
	row("out of order", r.OutOfOrder)
	row("redelivered (dropped)", r.Redelivered)
	for _, n := range r.Notes {
		row("note", n)
	}
}

// metricsURL is the /metrics to scrape: flag as given, the first server's
// when not given, none for "none".
func metricsURL(flag, addrs string) string {
	switch flag {
	case "none":
		return ""
	case "":
		first, _, _ := strings.Cut(addrs, ",")
		return "http://" + first + "/metrics"
	}
	return flag
}

package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// defaultSideScenarios are the scenarios a side-by-side run measures unless
// --scenarios names others: the 1:1 and one-topic throughput, light and
// moderate open-loop load (where fixed costs per message show), and a
// group fan-out.
const defaultSideScenarios = "pairs --pairs 50; pairs --pairs 1; openloop --rate 300 --pairs 10; " +
	"openloop --rate 1000 --pairs 10; fanout --conns 1000 --rate 50"

// Peer is one of the two servers compared.
type Peer struct {
	Name, Addr, APIKey, PIDs string
}

// SideOptions configure a side-by-side comparison.
type SideOptions struct {
	A, B      Peer
	Runs      int
	Scenarios []string // each a scenario and its flags: "openloop --rate 300"
	Common    []string // flags given to every run before the scenario's own
	Progress  io.Writer
}

// SideRun is one run of one scenario against one peer.
type SideRun struct {
	Peer     string
	Scenario string
	Result   *Result
	Err      string
}

// SideBySide runs every scenario against A and B alternately, Runs times
// each (A B, then B A, so that a drifting machine favours neither), and
// returns every run in the order it ran.
func SideBySide(ctx context.Context, o SideOptions) []SideRun {
	var out []SideRun
	for i := 0; i < o.Runs; i++ {
		for _, sc := range o.Scenarios {
			order := []Peer{o.A, o.B}
			if i%2 == 1 {
				order = []Peer{o.B, o.A}
			}
			for _, p := range order {
				if ctx.Err() != nil {
					return out
				}
				run := runOne(ctx, p, sc, o.Common)
				if o.Progress != nil {
					fmt.Fprintf(o.Progress, "run %d/%d %s %q: %s\n", i+1, o.Runs, p.Name, sc, run.summary())
				}
				out = append(out, run)
			}
		}
	}
	return out
}

// runOne runs the scenario spec against p through the same entry point as
// `parley bench`, reading its JSON result.
func runOne(ctx context.Context, p Peer, spec string, common []string) SideRun {
	fields := strings.Fields(spec)
	run := SideRun{Peer: p.Name, Scenario: spec}
	if len(fields) == 0 {
		run.Err = "empty scenario"
		return run
	}
	args := append([]string{fields[0], "--addr", p.Addr, "--json", "--quiet"}, common...)
	if p.APIKey != "" {
		args = append(args, "--apikey", p.APIKey)
	}
	if p.PIDs != "" {
		args = append(args, "--pid", p.PIDs)
	}
	args = append(args, fields[1:]...)
	var out, errb bytes.Buffer
	code := mainContext(ctx, args, &out, &errb)
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		run.Err = fmt.Sprintf("exit %d: %s", code, strings.TrimSpace(errb.String()))
		return run
	}
	run.Result = &res
	if code != 0 {
		run.Err = fmt.Sprintf("exit %d: lost %d, duplicates %d, out of order %d", code, res.Lost, res.Duplicates, res.OutOfOrder)
	}
	return run
}

func (r SideRun) summary() string {
	if r.Result == nil {
		return "failed: " + r.Err
	}
	parts := []string{}
	for _, m := range sideMetrics {
		if v, ok := m.value(r.Result); ok {
			parts = append(parts, fmt.Sprintf("%s %s", m.name, formatValue(v)))
		}
	}
	if r.Err != "" {
		parts = append(parts, r.Err)
	}
	return strings.Join(parts, ", ")
}

const sideUsage = `usage: parley bench side-by-side --a HOST:PORT --b HOST:PORT [flags]

Runs the same scenarios against two Tinode-protocol servers alternately
(A B, then B A), --runs times each, and writes a markdown table of medians,
ranges and B/A ratios. Start both servers yourself, on fresh data.

flags:
`

// SideBySideMain is `parley bench side-by-side`; it returns the exit code:
// 0 every run succeeded, 1 some failed or lost messages, 2 usage.
func SideBySideMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench side-by-side", flag.ContinueOnError)
	var flagOut bytes.Buffer
	fs.SetOutput(&flagOut)
	fs.Usage = func() { fmt.Fprint(&flagOut, sideUsage); fs.PrintDefaults() }
	var o SideOptions
	fs.StringVar(&o.A.Addr, "a", "", "first server host:port")
	fs.StringVar(&o.B.Addr, "b", "", "second server host:port")
	fs.StringVar(&o.A.Name, "name-a", "A", "first server's name in the table")
	fs.StringVar(&o.B.Name, "name-b", "B", "second server's name in the table")
	fs.StringVar(&o.A.APIKey, "key-a", "", "API key for the first server")
	fs.StringVar(&o.B.APIKey, "key-b", "", "API key for the second server")
	fs.StringVar(&o.A.PIDs, "pid-a", "", "first server's PID[,PID...] (e.g. server and database): CPU per message")
	fs.StringVar(&o.B.PIDs, "pid-b", "", "second server's PID[,PID...]")
	fs.IntVar(&o.Runs, "runs", 5, "runs of each scenario against each server")
	scenarios := fs.String("scenarios", defaultSideScenarios, "scenarios with their flags, separated by ';'")
	common := fs.String("common", "--duration 10s --warmup 2s --receipts tinode", "flags for every run, before the scenario's own")
	outPath := fs.String("out", "", "also write the table to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			stdout.Write(flagOut.Bytes())
			return 0
		}
		stderr.Write(flagOut.Bytes())
		return 2
	}
	if o.A.Addr == "" || o.B.Addr == "" || o.Runs < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "side-by-side: --a and --b are required, --runs ≥ 1, no other arguments")
		return 2
	}
	for _, s := range strings.Split(*scenarios, ";") {
		if s = strings.TrimSpace(s); s != "" {
			o.Scenarios = append(o.Scenarios, s)
		}
	}
	o.Common, o.Progress = strings.Fields(*common), stderr
	started := time.Now().UTC()
	runs := SideBySide(ctx, o)
	var table bytes.Buffer
	WriteSideTable(&table, o, runs, started)
	stdout.Write(table.Bytes())
	if *outPath != "" {
		if err := os.WriteFile(*outPath, table.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "side-by-side: %v\n", err)
			return 1
		}
	}
	for _, r := range runs {
		if r.Err != "" {
			return 1
		}
	}
	if len(runs) < 2*o.Runs*len(o.Scenarios) {
		return 1
	}
	return 0
}

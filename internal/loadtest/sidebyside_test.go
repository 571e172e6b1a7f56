package loadtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSpreadAndRatio(t *testing.T) {
	t.Parallel()
	s := spreadOf([]float64{30, 10, 20, 50})
	if s.median != 25 || s.min != 10 || s.max != 50 || s.n != 4 {
		t.Errorf("spread %+v, want median 25 of 10–50", s)
	}
	if got := spreadOf([]float64{3, 1, 2}).median; got != 2 {
		t.Errorf("median of 3 = %v", got)
	}
	if got := ratio(spreadOf([]float64{100}), spreadOf([]float64{250})); got != "2.50×" {
		t.Errorf("ratio %q", got)
	}
	if got := formatValue(20350.4); got != "20,350" {
		t.Errorf("formatValue %q", got)
	}
	if got := (spread{}).String(); got != "–" {
		t.Errorf("empty spread %q", got)
	}
}

// TestSideBySideAlternates compares two real servers (Parley against
// Parley) through the command: every scenario runs against both, in A B
// then B A order, and the table carries both medians and their ratio.
func TestSideBySideAlternates(t *testing.T) {
	t.Parallel()
	a, b := startServer(t), startServer(t)
	pid := strconv.Itoa(os.Getpid())
	out := filepath.Join(t.TempDir(), "side.md")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code := SideBySideMain(ctx, []string{"--a", a.Addr, "--b", b.Addr, "--name-a", "old", "--name-b", "new",
		"--pid-a", pid, "--pid-b", pid, "--runs", "2", "--out", out,
		"--common", "--duration 500ms --warmup 100ms --signup-par 4",
		"--scenarios", "pairs --pairs 1 --window 4; openloop --rate 100 --pairs 1"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	table := stdout.String()
	t.Log("\n" + table + "\n" + stderr.String())
	for _, want := range []string{"| old median (range) | new median (range) | new / old |",
		"| `pairs --pairs 1 --window 4` | acked msg/s (higher better) |",
		"| `openloop --rate 100 --pairs 1` | server CPU µs/msg (lower better) |", "2 runs"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	// Both rows have a ratio: both servers produced results.
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "acked msg/s") && !strings.HasSuffix(line, "× |") {
			t.Errorf("row without a ratio: %s", line)
		}
	}
	// Progress shows the order: run 1 A then B, run 2 B then A.
	var order []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "run" && strings.Contains(line, `"pairs`) {
			order = append(order, f[2])
		}
	}
	if strings.Join(order, " ") != "old new new old" {
		t.Errorf("order %v, want old new new old", order)
	}
	if saved, err := os.ReadFile(out); err != nil || string(saved) != table {
		t.Errorf("--out file differs from stdout (%v)", err)
	}
}

func TestSideBySideUsage(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := Main([]string{"side-by-side", "--a", "127.0.0.1:1"}, &out, &errb); code != 2 {
		t.Errorf("without --b: exit %d", code)
	}
	out.Reset()
	if code := Main([]string{"side-by-side", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "usage: parley bench side-by-side") {
		t.Errorf("help: exit %d %q", code, out.String())
	}
}

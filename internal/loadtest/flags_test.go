package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// fanoutWithReceipts runs a fan-out to three receivers at 100 msg/s (one
// {data} every 10 ms, far inside the receipt delay).
func fanoutWithReceipts(t *testing.T, addr string, mode Receipts) *Result {
	o := opts(addr)
	o.Conns, o.Rate, o.Receipts, o.ReceiptDelay = 3, 100, mode, 500*time.Millisecond
	return runScenario(t, "fanout", o)
}

func TestReceiptPatterns(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tinode := fanoutWithReceipts(t, srv.Addr, ReceiptsTinode)
	batch := fanoutWithReceipts(t, srv.Addr, ReceiptsBatch)
	none := fanoutWithReceipts(t, srv.Addr, ReceiptsNone)
	// Each receiver got ~120 messages in an unbroken stream: the tinode
	// timer fires once per receiver when the stream stops (a scheduling
	// stall longer than the delay may add one); batch sends one per 16
	// messages at least; none sends nothing.
	if tinode.ReceiptsSent < 3 || tinode.ReceiptsSent > 6 {
		t.Errorf("tinode receipts sent %d, want 3 (one per receiver after the stream)", tinode.ReceiptsSent)
	}
	if min := 3 * (batch.Delivered / 3 / batchEvery); batch.ReceiptsSent < min {
		t.Errorf("batch receipts sent %d for %d deliveries, want ≥ %d", batch.ReceiptsSent, batch.Delivered, min)
	}
	if none.ReceiptsSent != 0 {
		t.Errorf("none: %d receipts sent", none.ReceiptsSent)
	}
	for _, r := range []*Result{tinode, batch, none} {
		if r.Params["receipts"] != string(r.Receipts) {
			t.Errorf("params name receipts %v, result %q", r.Params["receipts"], r.Receipts)
		}
	}
}

func TestMainRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"pairs", "--receipts", "sometimes"},
		{"pairs", "--pid", "12,abc"},
		{"pairs", "--pid", "-3"},
		{"pairs", "--receipt-delay", "0s"},
	} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
	if pids, err := parsePIDs("12, 34"); err != nil || len(pids) != 2 || pids[1] != 34 {
		t.Errorf("parsePIDs: %v %v", pids, err)
	}
}

func TestRefusedUpgradeShowsStatusAndBody(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.APIKey = "the-right-key" })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wire atomic.Int64
	c, err := dial(ctx, srv.Addr, "the-right-key", false, &wire)
	if err != nil {
		t.Fatalf("with the key: %v", err)
	}
	c.close()
	_, err = dial(ctx, srv.Addr, "a-wrong-key", false, &wire)
	if err == nil {
		t.Fatal("upgrade accepted with a wrong API key")
	}
	if msg := err.Error(); !strings.Contains(msg, "403") || !strings.Contains(msg, "valid API key required") {
		t.Errorf("refusal %q does not carry the status and the server's reason", msg)
	}
}

func TestSignupOffersEmailCredential(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(signupMsg("1", "ltabc", "example.org"))
	if !strings.Contains(string(b), `"cred":[{"meth":"email","val":"ltabc@example.org"}]`) {
		t.Errorf("signup frame %s has no email credential", b)
	}
	b, _ = json.Marshal(signupMsg("1", "ltabc", ""))
	if strings.Contains(string(b), "cred") {
		t.Errorf("signup frame %s offers a credential nobody asked for", b)
	}
	b, _ = json.Marshal(credLoginMsg("2", "ltabc", "123456"))
	if !strings.Contains(string(b), `"cred":[{"meth":"email","resp":"123456"}]`) || !strings.Contains(string(b), `"scheme":"basic"`) {
		t.Errorf("validating login %s", b)
	}
	// A server that takes the credential at once signs the account up.
	srv := startServer(t)
	o := opts(srv.Addr)
	o.CredEmail, o.Pairs = "example.org", 1
	runScenario(t, "pairs", o)
}

func TestServerCPUPerMessage(t *testing.T) {
	t.Parallel()
	srv := startServer(t) // in this process: its CPU is this process's
	o := opts(srv.Addr)
	o.Rate, o.Pairs, o.PIDs = 200, 2, []int{os.Getpid()}
	res := runScenario(t, "openloop", o)
	if res.ServerCPUSeconds <= 0 || res.ServerRSSKB <= 0 {
		t.Fatalf("server cpu %v s, rss %d kB", res.ServerCPUSeconds, res.ServerRSSKB)
	}
	if res.MsgPerCPUSecond <= 0 || res.DeliveriesPerCPUSecond <= 0 {
		t.Errorf("msgs per CPU-second %v, deliveries %v", res.MsgPerCPUSecond, res.DeliveriesPerCPUSecond)
	}
	if p := res.CPUMicrosPerMsg * res.MsgPerCPUSecond; math.Abs(p-1e6) > 1 {
		t.Errorf("µs per msg %v × msgs per CPU-second %v = %v, want 1e6", res.CPUMicrosPerMsg, res.MsgPerCPUSecond, p)
	}
	// The window is one second: the process cannot have used more than
	// all its cores for it.
	if res.ServerCPUSeconds > float64(2*runtime.NumCPU())+0.5 {
		t.Errorf("%v CPU seconds in a 1 s window", res.ServerCPUSeconds)
	}
}

func TestStatTicks(t *testing.T) {
	t.Parallel()
	stat := "4242 (a) odd (name)) S 1 2 3 4 5 6 7 8 9 10 250 75 30 12 20 0 9 0 100 0 0"
	if got, ok := statTicks(stat); !ok || got != 367 {
		t.Errorf("statTicks = %d %v, want 367 (its own 325 and its children's 42)", got, ok)
	}
	if _, ok := statTicks("garbage"); ok {
		t.Error("garbage parsed")
	}
	if _, ok := cpuSeconds([]int{os.Getpid()}); !ok {
		t.Error("own /proc/PID/stat unreadable")
	}
}

// --pid counts a process's descendants too: a database that serves each
// connection from a process of its own is counted from its main PID.
func TestCPUSecondsCountsDescendants(t *testing.T) {
	t.Parallel()
	// A child that burns CPU, then waits to be killed.
	cmd := exec.Command("sh", "-c", `i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exec sleep 60`)
	if err := cmd.Start(); err != nil {
		t.Skipf("no sh to start a child: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck // the child's end is not under test
	child := cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	var childCPU float64
	for childCPU < 0.1 && time.Now().Before(deadline) {
		childCPU, _ = cpuSeconds([]int{child})
	}
	if childCPU < 0.1 {
		t.Skipf("the child used %v s of CPU in 30 s", childCPU)
	}
	if !slices.Contains(descendants([]int{os.Getpid()}), child) {
		t.Fatalf("descendants of the test process do not include its child %d", child)
	}
	self, _ := readTicks(os.Getpid())
	all, ok := cpuSeconds([]int{os.Getpid()})
	if !ok || all < float64(self)/clockTicks+childCPU-0.02 {
		t.Fatalf("CPU of the test process and its child: %v s, want at least its own %v s and the child's %v s",
			all, float64(self)/clockTicks, childCPU)
	}
}

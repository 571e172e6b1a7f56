package chaos

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// gatewayEnv lifts the per-connection rate limit, which would otherwise
// answer a resending client with 429 and slow the run without testing more.
var gatewayEnv = []string{"PARLEY_RATE_PER_SECOND=100000", "PARLEY_RATE_BURST=100000"}

// TestChaosKill kills the gateway with SIGKILL after random numbers of
// acknowledgements and restarts it on the same data directory, while the
// clients keep going through a relay that only forwards.
func TestChaosKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real gateway processes")
	}
	chaosKill(t, "kill")
}

// chaosKill is TestChaosKill's run, reported under mode; env adds to the
// gateway's environment (the store, say).
func chaosKill(t *testing.T, mode string, env ...string) {
	cfg, err := configFromEnv(mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PARLEY_CHAOS_SEED=%d: %d kills, %d messages", cfg.Seed, cfg.Kills, cfg.Messages)
	dir := t.TempDir()
	env = append(append([]string{}, gatewayEnv...), env...)
	proc := servertest.StartProcess(t, dir, env...)
	relay := newRelay(t, proc.Addr, cfg)
	h := setup(t, proc.Addr, []*Relay{relay}, cfg)
	begin := time.Now()
	h.start()
	defer h.stopAll()

	// Kill i comes after about i/(kills+1) of the messages were
	// acknowledged, give or take a quarter of the spacing, so kills land
	// at random moments but all before the senders run out of work.
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	spacing := cfg.Messages / (cfg.Kills + 1)
	for i := 1; i <= cfg.Kills; i++ {
		target := i*spacing - spacing/4 + rng.IntN(spacing/2+1)
		if err := h.waitFor("acks before a kill", func() bool { return h.acked() >= target }); err != nil {
			t.Fatal(err)
		}
		proc.Kill()
		proc = servertest.StartProcess(t, dir, env...)
		relay.SetUpstream(proc.Addr)
	}
	conclude(t, h, proc.Addr, cfg.Kills, begin)
}

// TestChaosRelay runs the clients through a relay that drops, duplicates,
// delays and reorders frames in both directions and cuts connections.
func TestChaosRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real gateway process and runs thousands of messages")
	}
	cfg, err := configFromEnv("relay")
	if err != nil {
		t.Fatal(err)
	}
	chaosRelay(t, cfg)
}

// TestChaosRelayProtobuf is TestChaosRelay with half the senders and half
// the receivers on protobuf (PARLEY_CHAOS_CODEC=mixed), so a dropped,
// duplicated or delayed frame may be a batch of several messages, and each
// codec meets the other in every conversation. It is shorter by default:
// half the messages, unless PARLEY_CHAOS_MESSAGES says otherwise.
func TestChaosRelayProtobuf(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real gateway process and runs thousands of messages")
	}
	cfg, err := configFromEnv("relay")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PARLEY_CHAOS_CODEC") == "" {
		cfg.Codec = CodecMixed
	}
	if os.Getenv("PARLEY_CHAOS_MESSAGES") == "" {
		cfg.Messages = defaultMessages / 2
	}
	chaosRelay(t, cfg)
}

// chaosRelay runs the clients through a faulty relay to one gateway.
func chaosRelay(t *testing.T, cfg Config) {
	t.Logf("PARLEY_CHAOS_SEED=%d: %d messages, codec %s, faults %+v", cfg.Seed, cfg.Messages, cfg.Codec, cfg.Faults)
	proc := servertest.StartProcess(t, t.TempDir(), gatewayEnv...)
	relay := newRelay(t, proc.Addr, cfg)
	h := setup(t, proc.Addr, []*Relay{relay}, cfg)
	begin := time.Now()
	h.start()
	defer h.stopAll()
	conclude(t, h, proc.Addr, 0, begin)
}

func newRelay(t *testing.T, upstream string, cfg Config) *Relay {
	t.Helper()
	relay, err := NewRelay(upstream, cfg.Faults, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(relay.Close)
	return relay
}

// conclude checks the run, logs and reports its figures, and fails the test
// on any anomaly.
func conclude(t *testing.T, h *harness, addr string, kills int, begin time.Time) {
	t.Helper()
	a, problems, err := h.finish(addr)
	if err != nil {
		t.Fatalf("seed %d: %v", h.cfg.Seed, err)
	}
	res := h.result(kills, time.Since(begin), a)
	t.Logf("seed %d: %d acked of %d, %d pubs sent, %d duplicate acks; %d given, %d gets (%d for gaps), %d frames again; %d dials; relay %v; %v; %v; %v",
		res.Seed, res.Acked, res.Messages, res.Pubs, res.DupAcks, res.Given, res.Gets, res.GapGets, res.Again, res.Dials,
		res.Relay, res.Repair, a, res.Duration.Round(time.Millisecond))
	if h.cfg.Report != "" {
		if err := appendReport(h.cfg.Report, res); err != nil {
			t.Errorf("report: %v", err)
		}
	}
	for _, p := range problems {
		t.Errorf("protocol: %s", p)
	}
	if !a.Zero() {
		for _, d := range a.Details {
			t.Log(d)
		}
		t.Errorf("seed %d: %v", h.cfg.Seed, a)
	}
	if res.Acked != res.Messages {
		t.Errorf("%d of %d messages acknowledged", res.Acked, res.Messages)
	}
}

package chaos

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/cluster/natstest"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// clusterNodes is how many gateways the cluster run starts.
const clusterNodes = 3

// clusterLease is the nodes' lease in the run: short, so a killed node's
// topics come back within seconds and the run stays short.
const clusterLease = "2s"

// TestChaosCluster runs three gateways as one cluster on a PostgreSQL server
// and a NATS server of the test's own, with senders and receivers spread
// over the nodes (each node has its relay), and while they run: kills
// nodes with SIGKILL (PARLEY_CHAOS_KILLS, one by default; each comes back
// as a new node, and its relay points at another node meanwhile, as a
// client failing over would), then restarts NATS, then crashes and
// restarts PostgreSQL. The checker must find nothing lost, doubled or out
// of order.
func TestChaosCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real gateway processes, a NATS and a PostgreSQL server")
	}
	if os.Getenv("PARLEY_CHAOS_KILLS") == "" {
		t.Setenv("PARLEY_CHAOS_KILLS", "1")
	}
	cfg, err := configFromEnv("cluster")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PARLEY_CHAOS_SEED=%d: %d kills, %d messages", cfg.Seed, cfg.Kills, cfg.Messages)
	pg := pgtest.StartPrivate(t)
	ns := natstest.Start(t)
	env := append(append([]string{}, gatewayEnv...), "PARLEY_STORE="+pg.URL(), "PARLEY_NATS="+ns.URL(),
		"PARLEY_CLUSTER_LEASE="+clusterLease)
	root := t.TempDir()
	procs := make([]*servertest.Process, clusterNodes)
	relays := make([]*Relay, clusterNodes)
	for i := range procs {
		procs[i] = servertest.StartProcess(t, filepath.Join(root, fmt.Sprint(i)), env...)
		relays[i] = newRelay(t, procs[i].Addr, cfg)
	}
	h := setup(t, procs[0].Addr, relays, cfg)
	begin := time.Now()
	h.start()
	defer h.stopAll()

	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	faults := cfg.Kills + 2 // the kills, then NATS, then PostgreSQL
	spacing := cfg.Messages / (faults + 1)
	for i := 1; i <= faults; i++ {
		target := i*spacing - spacing/4 + rng.IntN(spacing/2+1)
		if err := h.waitFor("acks before a fault", func() bool { return h.acked() >= target }); err != nil {
			t.Fatal(err)
		}
		switch {
		case i <= cfg.Kills:
			n := rng.IntN(clusterNodes)
			procs[n].Kill()
			relays[n].SetUpstream(procs[(n+1)%clusterNodes].Addr)
			t.Logf("killed node %d after %d acks", n, h.acked())
			procs[n] = servertest.StartProcess(t, filepath.Join(root, fmt.Sprint(n)), env...)
			relays[n].SetUpstream(procs[n].Addr)
		case i == cfg.Kills+1:
			t.Logf("restarting NATS after %d acks", h.acked())
			ns.Restart()
		default:
			t.Logf("crashing PostgreSQL after %d acks", h.acked())
			pg.Crash()
			pg.Start()
		}
	}
	conclude(t, h, procs[0].Addr, cfg.Kills, begin)
}

// Package clusterbench measures a cluster of gateways: run.sh compares the
// throughput of one node and three, and TestOwnerDeathUnavailability how
// long a topic is unavailable after its owner is killed (docs/benchmarks.md).
package clusterbench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/cluster/natstest"
	"github.com/parley-im/parley/internal/server/servertest"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

// TestOwnerDeathUnavailability kills the node that owns a one-to-one topic
// with SIGKILL and measures, from the kill, how long a client on another
// node takes to have its next message accepted (reconnecting and
// subscribing again as often as it must), for two lease lengths. It runs
// only with PARLEY_CLUSTER_BENCH=1.
func TestOwnerDeathUnavailability(t *testing.T) {
	if os.Getenv("PARLEY_CLUSTER_BENCH") == "" {
		t.Skip("a measurement: set PARLEY_CLUSTER_BENCH=1")
	}
	for _, lease := range []string{"2s", "10s"} {
		var took []time.Duration
		for range 3 {
			took = append(took, unavailableFor(t, lease))
		}
		slices.Sort(took)
		t.Logf("cluster_lease %s: unavailable for %v (median of 3: %v)", lease, took, took[1])
	}
}

func unavailableFor(t *testing.T, lease string) time.Duration {
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	env := []string{"PARLEY_STORE=" + db, "PARLEY_NATS=" + ns.URL(), "PARLEY_CLUSTER_LEASE=" + lease}
	dir := t.TempDir()
	owner := servertest.StartProcess(t, filepath.Join(dir, "a"), env...)
	other := servertest.StartProcess(t, filepath.Join(dir, "b"), env...)

	bob, err := servertest.DialAddr(t, owner.Addr, "")
	if err != nil {
		t.Fatal(err)
	}
	bob.Hi()
	bob.Signup(fmt.Sprint("bob", time.Now().UnixNano()), "pass123")
	alice, err := servertest.DialAddr(t, other.Addr, "")
	if err != nil {
		t.Fatal(err)
	}
	alice.Hi()
	alice.Signup(fmt.Sprint("alice", time.Now().UnixNano()), "pass123")
	if c := bob.Sub(alice.User); c.Code() != 200 { // the owner's node takes the topic
		t.Fatalf("bob's sub: %v", c)
	}
	if c := alice.Sub(bob.User); c.Code() != 200 {
		t.Fatalf("alice's sub: %v", c)
	}
	if c := alice.Pub(bob.User, "before", "m0"); c.Code() != 202 {
		t.Fatalf("alice's pub: %v", c)
	}
	token, peer := alice.Token, bob.User
	alice.Close()

	killed := time.Now()
	owner.Kill()
	deadline := killed.Add(time.Minute)
	for time.Now().Before(deadline) {
		if accepted(other.Addr, token, peer) {
			return time.Since(killed).Round(10 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // the next try, as a client's backoff would
	}
	t.Fatalf("no pub accepted within a minute of the owner's death")
	return 0
}

// accepted runs one client session: hi, token login, sub, pub "after"; it
// reports whether the pub was answered 202. Any refusal or disconnect is a
// failure, to be tried again.
func accepted(addr, token, peer string) bool {
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/v0/channels", nil)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	steps := []map[string]any{
		{"hi": map[string]any{"id": "1", "ver": "0.25.3"}},
		{"login": map[string]any{"id": "2", "scheme": "token", "secret": token}},
		{"sub": map[string]any{"id": "3", "topic": peer}},
		{"pub": map[string]any{"id": "4", "topic": peer, "content": "after", "head": map[string]any{"msgid": "m1"}}},
	}
	for i, step := range steps {
		if conn.WriteJSON(step) != nil {
			return false
		}
		want := fmt.Sprint(i + 1)
		for {
			var m struct {
				Ctrl *struct {
					ID   string `json:"id"`
					Code int    `json:"code"`
				} `json:"ctrl"`
			}
			_, b, err := conn.ReadMessage()
			if err != nil || json.Unmarshal(b, &m) != nil {
				return false
			}
			if m.Ctrl == nil || m.Ctrl.ID != want {
				continue
			}
			if m.Ctrl.Code >= 300 {
				return false
			}
			break
		}
	}
	return true
}

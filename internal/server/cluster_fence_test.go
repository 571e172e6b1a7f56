package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A router that lost its lease without knowing it yet (its node paused,
// or cut off from PostgreSQL, while another node took the router over)
// decides an assignment: the store refuses its save, so nothing of it is
// carried out, the old router stops, and the new router's count of the
// agent's capacity holds.
func TestClusterStaleRouterFenced(t *testing.T) {
	t.Parallel()
	// A lease of 8 s: the router's node renews every 2 s, so right after a
	// renewal it goes on believing it holds the lease for 2 s.
	nodes, db := deskClusterWithLease(t, 8*time.Second)
	old, other := nodes[0], nodes[1]
	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(t.Context()) })

	ann := staffLogin(t, other, "ann")
	mustCode(t, "ann's status", act(ann, "", "agent.status", msgT{"status": "online"}), 200)
	carl := old.Connect(t, "carl")
	dave := other.Connect(t, "dave")

	// Another node takes the router's lease just after the old holder
	// renewed it, as a node does when the holder's lease expired unseen.
	var holder string
	var renewed time.Time
	if err := conn.QueryRow(t.Context(), `SELECT node, expires_at FROM shard_lease WHERE shard = 256`).Scan(&holder, &renewed); err != nil {
		t.Fatal(err)
	}
	var taker string
	if err := conn.QueryRow(t.Context(), `SELECT node FROM cluster_nodes WHERE node <> $1 AND expires_at > now() LIMIT 1`,
		holder).Scan(&taker); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		var at time.Time
		if err := conn.QueryRow(t.Context(), `SELECT expires_at FROM shard_lease WHERE shard = 256`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		if at.After(renewed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the router's lease was not renewed")
		}
		time.Sleep(5 * time.Millisecond) // waiting for the holder's next renewal, with a deadline
	}
	if _, err := conn.Exec(t.Context(), `UPDATE shard_lease SET node = $1, epoch = epoch + 1,
		expires_at = now() + interval '1 hour' WHERE shard = 256`, taker); err != nil {
		t.Fatal(err)
	}

	// Carl's node still runs its router and gives him to ann: refused.
	carlOpen := act(carl, "", "service.open", nil)
	carlTopic, _ := carlOpen.Get("params.topic").(string)
	if carlOpen.Code() != 200 || carlTopic == "" {
		t.Fatalf("carl's service.open: %v", carlOpen)
	}
	// The old node stops its router once its save is refused.
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(metricsOf(t, old), "parley_cs_"); {
		if time.Now().After(deadline) {
			t.Fatal("the old node still runs a router")
		}
		time.Sleep(20 * time.Millisecond) // polling the old node's metrics, with a deadline
	}
	var carlRows int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM conversations WHERE topic = $1`, carlTopic).Scan(&carlRows); err != nil {
		t.Fatal(err)
	}
	if carlRows != 0 {
		t.Errorf("the stale router's conversation for carl was saved")
	}
	// The new router gives dave to ann: her one slot is free, as nothing
	// of carl's assignment took effect.
	sue := staffLogin(t, other, "sue")
	untilDesk(t, sue, "ann online on the new router", func(d msgT) bool { return deskStatus(d, ann.User) == "online" })
	daveOpen := act(dave, "", "service.open", nil)
	daveTopic, _ := daveOpen.Get("params.topic").(string)
	if daveOpen.Code() != 200 || daveTopic == "" || daveOpen.Get("params.state") != "assigned" {
		t.Fatalf("dave's service.open: %v, want assigned", daveOpen)
	}
	d := untilDesk(t, sue, "dave assigned to ann", func(d msgT) bool { return deskHolds(d, ann.User, daveTopic) })
	if convs, _ := deskAgent(d, ann.User)["conversations"].([]any); len(convs) != 1 {
		t.Errorf("ann holds %v, want dave's alone", convs)
	}
	if queued, _ := d.Get("params.queued").(map[string]any); queued["sales"] != nil && queued["sales"] != 0.0 {
		t.Errorf("queued %v, want none: carl's conversation is unknown to the new router", queued)
	}
}

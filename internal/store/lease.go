package store

import (
	"context"
	"errors"
	"time"
)

// ErrFenced is returned by a write (Append, SaveConversation, …) whose
// context carries a Fence that is no longer the current lease of its shard:
// another node owns the topic, or runs the customer-service router, now, so
// nothing of the call was stored and the caller must not act as owner.
var ErrFenced = errors.New("store: fenced: the writer's lease on the topic's shard is not current")

// Fence is a writer's proof of ownership in a cluster: the lease it holds on
// a topic's shard (a topic's owner), or on the router's reserved row (the
// customer-service router, for its conversation rows and quick replies). A
// write whose context carries one is stored only if the lease row still
// names this node with this epoch, checked in the write's own transaction,
// so a stale owner can never assign a seq and a stale router never saves a
// decision. A store without leases (SQLite, one node) ignores fences.
type Fence struct {
	Shard int
	Node  string
	Epoch int64
}

type fenceKey struct{}

// WithFence returns ctx carrying f: a write under it is fenced.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceFrom returns the fence ctx carries, if any.
func FenceFrom(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// Lease is the row of one shard: who owns it, under which epoch (raised on
// every change of hands), until when (the database's clock).
type Lease struct {
	Shard   int
	Node    string
	Epoch   int64
	Expires time.Time
}

// Leases keeps the shard leases and the heartbeat of the nodes of a cluster.
// Only a store shared by several nodes (PostgreSQL) implements it.
type Leases interface {
	// AcquireLease gives shard to node for ttl if it is free, expired, or
	// node's already (then only its expiry moves); the epoch rises whenever
	// the lease changes hands or is taken again after expiring. It returns
	// the lease as it stands afterwards, whoever holds it.
	AcquireLease(ctx context.Context, shard int, node string, ttl time.Duration) (Lease, error)
	// RenewLeases extends node's unexpired leases among shards by ttl and
	// returns those it still holds (the others are lost).
	RenewLeases(ctx context.Context, node string, shards []int, ttl time.Duration) ([]Lease, error)
	// ReadLeases returns the rows of shards that exist.
	ReadLeases(ctx context.Context, shards []int) ([]Lease, error)
	// Heartbeat records that node is alive for ttl and returns every node
	// whose heartbeat has not expired, node included.
	Heartbeat(ctx context.Context, node string, ttl time.Duration) ([]string, error)
	// ReleaseNode gives up node's leases and heartbeat (a clean shutdown), so
	// other nodes take its shards at once instead of after the ttl.
	ReleaseNode(ctx context.Context, node string) error
}

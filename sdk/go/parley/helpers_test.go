package parley

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds every wait for an asynchronous outcome.
const waitTimeout = 15 * time.Second

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// addr is a server address that a restart can change.
type addr struct {
	mu sync.Mutex
	s  string
}

func (a *addr) set(s string) { a.mu.Lock(); a.s = s; a.mu.Unlock() }
func (a *addr) url() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return "ws://" + a.s + "/v0/channels"
}

// tapDialer wraps the WebSocket dialer so tests can hold writes back and
// cut connections.
type tapDialer struct {
	mu   sync.Mutex
	gate chan struct{} // while non-nil, writes wait for it to close
	last Conn
}

func (d *tapDialer) dial(ctx context.Context, url string) (Conn, error) {
	c, err := WebSocketDialer(10*time.Second)(ctx, url)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.last = c
	d.mu.Unlock()
	return &tapConn{Conn: c, d: d}, nil
}

func (d *tapDialer) hold() { d.mu.Lock(); d.gate = make(chan struct{}); d.mu.Unlock() }
func (d *tapDialer) release() {
	d.mu.Lock()
	close(d.gate)
	d.gate = nil
	d.mu.Unlock()
}

// cut closes the live connection under the client's feet.
func (d *tapDialer) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last != nil {
		d.last.Close()
	}
}

type tapConn struct {
	Conn
	d *tapDialer
}

func (c *tapConn) Write(b []byte) error {
	c.d.mu.Lock()
	g := c.d.gate
	c.d.mu.Unlock()
	if g != nil {
		<-g
	}
	return c.Conn.Write(b)
}

// seen counts OnMessage deliveries per msgid: nothing may show twice.
type seen struct {
	mu sync.Mutex
	n  map[string]int
}

func watch(c *Client) *seen {
	s := &seen{n: map[string]int{}}
	c.OnMessage(func(m *Message) { s.mu.Lock(); s.n[m.MsgID]++; s.mu.Unlock() })
	return s
}

func (s *seen) dups() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, n := range s.n {
		if n != 1 {
			out = append(out, fmt.Sprintf("%s×%d", id, n))
		}
	}
	return out
}

func newClient(t *testing.T, a *addr, login string, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithURLFunc(a.url), WithBackoff(10*time.Millisecond, 100*time.Millisecond),
		WithSendTimeout(2*time.Second, 10), WithAckDelay(10 * time.Millisecond)}, opts...)
	c := New(opts...)
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := c.Signup(ctx, login, "pass123", map[string]string{"fn": login}); err != nil {
		t.Fatalf("signup %s: %v", login, err)
	}
	return c
}

// pair signs two users up and opens their one-to-one chat on both sides;
// it returns each side's name for the topic.
func pair(t *testing.T, a, b *Client) (ab, ba string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ab, ba = b.UserID(), a.UserID()
	if err := a.Join(ctx, ab); err != nil {
		t.Fatalf("join: %v", err)
	}
	if err := b.Join(ctx, ba); err != nil {
		t.Fatalf("join: %v", err)
	}
	return ab, ba
}

// order lists a pool's msgids and reports whether every message is
// confirmed with seqs exactly 1..n.
func order(c *Client, topic string) (ids []string, complete bool) {
	complete = true
	for i, m := range c.Messages(topic) {
		ids = append(ids, m.MsgID)
		if m.Seq() != i+1 {
			complete = false
		}
	}
	return ids, complete
}

// converged waits until both sides show the same n confirmed messages in
// server seq order, and checks nothing was shown twice.
func converged(t *testing.T, a *Client, ab string, sa *seen, b *Client, ba string, sb *seen, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d messages in order on both sides", n), func() bool {
		x, okx := order(a, ab)
		y, oky := order(b, ba)
		return okx && oky && len(x) == n && slices.Equal(x, y)
	})
	if d := sa.dups(); len(d) > 0 {
		t.Fatalf("shown twice on a: %v", d)
	}
	if d := sb.dups(); len(d) > 0 {
		t.Fatalf("shown twice on b: %v", d)
	}
}

package netlink

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestBackoffCapsAndJitter(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second, Rand: func() float64 { return 0.5 }}
	want := []time.Duration{50, 100, 200, 400, 500, 500}
	for i, w := range want {
		if got := b.Delay(i); got != w*time.Millisecond {
			t.Fatalf("attempt %d: %v, want %v", i, got, w*time.Millisecond)
		}
	}
}

// fakeConn blocks in Read until closed.
type fakeConn struct {
	once   sync.Once
	closed chan struct{}
}

func (c *fakeConn) Read() ([]byte, error) { <-c.closed; return nil, errors.New("closed") }
func (c *fakeConn) Write([]byte) error    { return nil }
func (c *fakeConn) Close() error          { c.once.Do(func() { close(c.closed) }); return nil }

// TestLinkBacksOffAndResets runs the reconnect loop on a fake clock: the
// waits grow while dials fail, and a connection that stayed up past
// HealthyAfter resets them. Nothing sleeps.
func TestLinkBacksOffAndResets(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(0, 0)
	fails := 3
	conns := make(chan *fakeConn, 1)
	waits := make(chan time.Duration, 100)
	cfg := Config{
		URL: func() string { return "fake" },
		Dial: func(ctx context.Context, url string) (Conn, error) {
			mu.Lock()
			defer mu.Unlock()
			if fails > 0 {
				fails--
				return nil, errors.New("refused")
			}
			c := &fakeConn{closed: make(chan struct{})}
			conns <- c
			return c, nil
		},
		Backoff:      Backoff{Base: time.Second, Max: 8 * time.Second, Rand: func() float64 { return 0.999 }},
		HealthyAfter: time.Minute,
		ProbeEvery:   -1,
		After: func(d time.Duration) <-chan time.Time {
			waits <- d
			ch := make(chan time.Time, 1)
			ch <- time.Time{}
			return ch
		},
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
	}
	l := New(cfg)
	states := make(chan Event, 100)
	l.Subscribe(func(e Event) { states <- e })
	l.Start()
	defer l.Close()
	for i, capd := range []time.Duration{1, 2, 4} {
		if d := <-waits; d > capd*time.Second || d < capd*time.Second*99/100 {
			t.Fatalf("wait %d: %v", i, d)
		}
	}
	c := <-conns
	// The session reads the clock for its start only after the dial has
	// returned: wait for its Connected, or the clock could move first and
	// the connection would look short-lived.
	for e := range states {
		if e.State == Connected {
			break
		}
	}
	mu.Lock()
	now = now.Add(2 * time.Minute) // the connection stays healthy
	fails = 1
	mu.Unlock()
	c.Close()
	if d := <-waits; d > time.Second {
		t.Fatalf("after a healthy connection the wait is %v, want the base", d)
	}
	if d := <-waits; d > 2*time.Second || d < time.Second {
		t.Fatalf("then %v", d)
	}
	c = <-conns
	var sawConnected, sawDown bool
	for !sawConnected || !sawDown {
		e := <-states
		sawConnected = sawConnected || e.State == Connected
		sawDown = sawDown || (e.State == Disconnected && e.Err != nil)
	}
}

// Close while a dial is under way returns once the dial does: a connection
// the dial made after Close began is closed instead of being read forever.
func TestCloseDuringDial(t *testing.T) {
	dialing := make(chan struct{})
	l := New(Config{
		URL: func() string { return "fake" },
		// A dial that completes although it was cancelled: Close has
		// already looked for a connection to close and found none.
		Dial: func(ctx context.Context, url string) (Conn, error) {
			close(dialing)
			<-ctx.Done()
			return &fakeConn{closed: make(chan struct{})}, nil
		},
		Backoff:    Backoff{Base: time.Second, Max: time.Second},
		ProbeEvery: -1,
	})
	l.Start()
	<-dialing
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after a dial that finished during it")
	}
}

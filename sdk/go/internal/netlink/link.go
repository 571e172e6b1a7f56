package netlink

import (
	"context"
	"sync"
	"time"

	"github.com/parley-im/parley/sdk/go/internal/bus"
)

// State is where the link is in its life.
type State int

const (
	Connecting State = iota
	Connected
	Disconnected
	Closed
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case Closed:
		return "closed"
	}
	return "unknown"
}

// Event is what the link publishes: a state change, or a received frame.
// Gen numbers connections; a frame carries the Gen of the connection that
// read it, and a Connected event announces a new Gen.
type Event struct {
	Gen   uint64
	State State
	// Frame is set for received frames (State is then Connected).
	Frame []byte
	// Err says why a connection failed or ended (Disconnected).
	Err error
	// Attempt counts consecutive failures; Delay is the wait before the
	// next dial (Disconnected).
	Attempt int
	Delay   time.Duration
}

// Config sets up a Link. Zero values take the defaults noted.
type Config struct {
	// URL returns the address to dial; it is asked before every dial, so a
	// moved server can be followed.
	URL  func() string
	Dial Dialer
	// Backoff paces reconnects.
	Backoff Backoff
	// HealthyAfter: a connection that lived this long resets the backoff
	// (default 10 s).
	HealthyAfter time.Duration
	// ProbeEvery: how often the raw probe "1" is sent so that both sides
	// see traffic on a quiet link (default 20 s; negative disables).
	ProbeEvery time.Duration
	// After and Now are the clock; tests inject them to run backoff
	// without sleeping (defaults time.After and time.Now).
	After func(time.Duration) <-chan time.Time
	Now   func() time.Time
}

// probe is the network probe the server answers with "0".
var probe = []byte("1")

// Link keeps a connection up and republishes what happens on it.
type Link struct {
	cfg    Config
	events *bus.Bus[Event]
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// Guarded by mu.
	conn Conn
	gen  uint64
}

// New prepares a link; Start runs it.
func New(cfg Config) *Link {
	if cfg.HealthyAfter == 0 {
		cfg.HealthyAfter = 10 * time.Second
	}
	if cfg.ProbeEvery == 0 {
		cfg.ProbeEvery = 20 * time.Second
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Link{cfg: cfg, events: bus.New[Event](), done: make(chan struct{})}
}

// Subscribe calls fn for every event, in order, on a goroutine of its own.
func (l *Link) Subscribe(fn func(Event)) (unsubscribe func()) { return l.events.Subscribe(fn) }

// Start begins dialing in the background.
func (l *Link) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(ctx)
}

// Close stops the link and waits for its goroutine.
func (l *Link) Close() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	l.mu.Lock()
	if l.conn != nil {
		l.conn.Close()
	}
	l.mu.Unlock()
	<-l.done
	l.events.Publish(Event{State: Closed})
}

// Write sends frame on connection gen. It fails if that connection is gone,
// so a frame prepared for an old connection never reaches a new one before
// the session on it is set up.
func (l *Link) Write(gen uint64, frame []byte) error {
	l.mu.Lock()
	c := l.conn
	if l.gen != gen || c == nil {
		l.mu.Unlock()
		return ErrClosed
	}
	l.mu.Unlock()
	if err := c.Write(frame); err != nil {
		c.Close() // the reader notices and reconnects
		return err
	}
	return nil
}

// Drop closes the current connection, as a network failure would.
func (l *Link) Drop() {
	l.mu.Lock()
	if l.conn != nil {
		l.conn.Close()
	}
	l.mu.Unlock()
}

func (l *Link) run(ctx context.Context) {
	defer close(l.done)
	attempt := 0
	for ctx.Err() == nil {
		l.events.Publish(Event{State: Connecting, Attempt: attempt})
		healthy, err := l.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if healthy {
			attempt = 0
		}
		delay := l.cfg.Backoff.Delay(attempt)
		l.events.Publish(Event{State: Disconnected, Err: err, Attempt: attempt, Delay: delay})
		attempt++
		select {
		case <-ctx.Done():
			return
		case <-l.cfg.After(delay):
		}
	}
}

// session dials once and serves the connection until it ends. healthy
// reports whether it stayed up long enough to reset the backoff.
func (l *Link) session(ctx context.Context) (healthy bool, err error) {
	c, err := l.cfg.Dial(ctx, l.cfg.URL())
	if err != nil {
		return false, err
	}
	start := l.cfg.Now()
	l.mu.Lock()
	// Close cancels first and then closes the connection it finds: a dial
	// that returns after that must close its own, or its reader would wait
	// on it forever and Close with it.
	if ctx.Err() != nil {
		l.mu.Unlock()
		c.Close()
		return false, ctx.Err()
	}
	l.gen++
	gen := l.gen
	l.conn = c
	l.mu.Unlock()
	l.events.Publish(Event{Gen: gen, State: Connected})

	stopProbe := l.probe(gen)
	err = l.readLoop(gen, c)
	stopProbe()
	c.Close()
	l.mu.Lock()
	l.conn = nil
	l.mu.Unlock()
	return l.cfg.Now().Sub(start) >= l.cfg.HealthyAfter, err
}

func (l *Link) readLoop(gen uint64, c Conn) error {
	for {
		frame, err := c.Read()
		if err != nil {
			return err
		}
		if len(frame) == 1 && frame[0] == '0' {
			continue // the probe's answer: liveness only
		}
		l.events.Publish(Event{Gen: gen, State: Connected, Frame: frame})
	}
}

// probe sends "1" periodically until the returned func is called.
func (l *Link) probe(gen uint64) (stop func()) {
	if l.cfg.ProbeEvery < 0 {
		return func() {}
	}
	quit := make(chan struct{})
	go func() {
		t := time.NewTicker(l.cfg.ProbeEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				l.Write(gen, probe)
			}
		}
	}()
	return func() { close(quit) }
}

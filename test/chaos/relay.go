package chaos

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Faults says how a Relay mistreats frames. Each probability applies to every
// text frame in either direction, independently of the others, except that a
// dropped frame suffers nothing else.
type Faults struct {
	Drop    float64 // the frame is not forwarded
	Dup     float64 // the frame is forwarded twice
	Delay   float64 // the frame is held up to MaxDelay while later ones pass it
	Reorder float64 // the frame is swapped with the next one in its direction
	Cut     float64 // the connection is cut (both sides) instead of forwarding
	// MaxDelay bounds a delay; zero means 50 ms.
	MaxDelay time.Duration
}

// Stats counts what a Relay did. Reordered counts swaps that happened: a held
// frame that no later frame overtook in time is not counted.
type Stats struct {
	Conns, Frames, Dropped, Duplicated, Delayed, Reordered, Cuts int64
}

func (s Stats) String() string {
	return fmt.Sprintf("%d conns, %d frames: %d dropped, %d duplicated, %d delayed, %d reordered, %d cuts",
		s.Conns, s.Frames, s.Dropped, s.Duplicated, s.Delayed, s.Reordered, s.Cuts)
}

// Relay is a WebSocket proxy for Parley's clients: each accepted connection
// gets its own upstream connection, and text frames are forwarded one by one
// in both directions, suffering Faults on the way. Its address stays fixed
// while the gateway behind it moves (SetUpstream), so it is also how clients
// find a gateway restarted after a kill.
type Relay struct {
	Addr   string
	faults Faults
	seed   uint64
	srv    *http.Server
	ln     net.Listener

	mu       sync.Mutex // guards upstream and conns
	upstream string
	conns    map[*relayConn]bool
	closed   bool
	nextConn uint64

	nconns, frames, dropped, duplicated, delayed, reordered, cuts atomic.Int64
	repairs                                                       repairs
}

// NewRelay listens on a loopback port and forwards to upstream. seed makes
// the fault decisions of each connection reproducible (the n-th frame of the
// k-th connection meets the same fate), though not the interleaving of
// goroutines around them.
func NewRelay(upstream string, f Faults, seed uint64) (*Relay, error) {
	if f.MaxDelay <= 0 {
		f.MaxDelay = 50 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{Addr: ln.Addr().String(), faults: f, seed: seed, ln: ln, upstream: upstream,
		conns: map[*relayConn]bool{}}
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(ln)
	return r, nil
}

// SetUpstream points new connections at another gateway address.
func (r *Relay) SetUpstream(addr string) {
	r.mu.Lock()
	r.upstream = addr
	r.mu.Unlock()
}

// Stats returns the counts so far.
func (r *Relay) Stats() Stats {
	return Stats{Conns: r.nconns.Load(), Frames: r.frames.Load(), Dropped: r.dropped.Load(),
		Duplicated: r.duplicated.Load(), Delayed: r.delayed.Load(), Reordered: r.reordered.Load(),
		Cuts: r.cuts.Load()}
}

// Repairs returns the repair times of frames the relay dropped so far.
func (r *Relay) Repairs() Repairs { return r.repairs.stats() }

// CutAll cuts every open connection, as a network failure would.
func (r *Relay) CutAll() {
	r.mu.Lock()
	conns := make([]*relayConn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	for _, c := range conns {
		c.cut()
	}
}

// Close stops accepting and cuts what is open.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.srv.Close()
	r.CutAll()
}

var upgrader = websocket.Upgrader{
	ReadBufferSize: 4096, WriteBufferSize: 4096,
	CheckOrigin: func(*http.Request) bool { return true },
}

// ServeHTTP dials the gateway first, so that a client of a gateway that is
// down gets a refused upgrade (502), as it would without the relay, instead
// of a connection that dies at once.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	upstream, n := r.upstream, r.nextConn
	r.nextConn++
	r.mu.Unlock()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	up, _, err := d.Dial("ws://"+upstream+req.URL.RequestURI(), nil)
	if err != nil {
		http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	down, err := upgrader.Upgrade(w, req, nil)
	if err != nil {
		up.Close()
		return
	}
	c := &relayConn{relay: r, down: down, up: up, done: make(chan struct{}), repairs: newConnRepairs(&r.repairs)}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		c.cut()
		return
	}
	r.conns[c] = true
	r.mu.Unlock()
	r.nconns.Add(1)
	// Each direction draws from its own stream, so the fates of one
	// direction's frames do not depend on the other's traffic.
	toUp := newPipe(c, down, up, rand.New(rand.NewPCG(r.seed, 2*n)))
	toDown := newPipe(c, up, down, rand.New(rand.NewPCG(r.seed, 2*n+1)))
	go toUp.pump()
	toDown.pump()
	<-c.done
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

// relayConn is one client connection and its upstream twin.
type relayConn struct {
	relay    *Relay
	down, up *websocket.Conn
	once     sync.Once
	done     chan struct{} // closed when the pair is torn down
	repairs  *connRepairs
}

// cut closes both sockets without close frames, as a broken network does.
func (c *relayConn) cut() {
	c.once.Do(func() {
		close(c.done)
		c.down.Close()
		c.up.Close()
	})
}

// closeWith passes a close frame from one side on to the other, then tears
// the pair down: a gateway's close code (say 4008) must reach the client.
func (c *relayConn) closeWith(dst *websocket.Conn, err error) {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		msg := websocket.FormatCloseMessage(ce.Code, ce.Text)
		if ce.Code == websocket.CloseNoStatusReceived {
			msg = websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		}
		dst.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
	c.cut()
}

package server

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addrCounter counts what each client address holds open (connections or
// sessions) against a cap. Addresses holding nothing are forgotten, so its
// memory follows the live connections.
type addrCounter struct {
	max int // Static after construction.

	mu sync.Mutex // guards n
	n  map[string]int
}

func newAddrCounter(max int) *addrCounter { return &addrCounter{max: max, n: map[string]int{}} }

// acquire takes one slot for addr, or reports false when addr holds max.
func (c *addrCounter) acquire(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[addr] >= c.max {
		return false
	}
	c.n[addr]++
	return true
}

// release gives back a slot taken by acquire.
func (c *addrCounter) release(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[addr]--; c.n[addr] <= 0 {
		delete(c.n, addr)
	}
}

// capListener caps the TCP connections one peer address holds open, so a
// client cannot take every file descriptor with idle sockets, whatever it
// sends on them (nothing, half a request header, a WebSocket that never says
// hi). Trusted proxies are exempt: their connections carry many clients,
// which the per-address session limit counts by their forwarded address.
type capListener struct {
	net.Listener
	// Static after construction.
	count   *addrCounter
	addrs   *addrs
	refused func(addr string)
}

// Accept returns the next connection its peer may open; connections over
// the cap are closed at once, which the peer sees as a reset.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, ok := hostIP(c.RemoteAddr().String())
		if !ok || l.addrs.isTrusted(ip) {
			return c, nil
		}
		addr := ip.String()
		if !l.count.acquire(addr) {
			c.Close()
			l.refused(addr)
			continue
		}
		return &countedConn{Conn: c, release: func() { l.count.release(addr) }}, nil
	}
}

// countedConn gives its slot back when closed (also when a WebSocket, which
// took the connection over from net/http, closes it).
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// Socket is the connection under the wrapper, which only counts it: the
// WebSocket transport writes to it directly, with writev, and waits on it
// for bytes.
func (c *countedConn) Socket() net.Conn { return c.Conn }

// CloseWrite half-closes the connection, as the WebSocket transport does to
// let a client read a close frame.
func (c *countedConn) CloseWrite() error {
	if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return c.Conn.Close()
}

// refusalLog logs refused connections at most once a second, with the count
// since the last line: a flood must not become a flood of log lines.
type refusalLog struct {
	every rate.Sometimes
	mu    sync.Mutex
	n     int
}

func newRefusalLog() *refusalLog { return &refusalLog{every: rate.Sometimes{Interval: time.Second}} }

func (l *refusalLog) note(log func(n int)) {
	l.mu.Lock()
	l.n++
	l.mu.Unlock()
	l.every.Do(func() {
		l.mu.Lock()
		n := l.n
		l.n = 0
		l.mu.Unlock()
		log(n)
	})
}

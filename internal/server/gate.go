package server

import (
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/session"
)

// gate admits connections and sessions: at most max_conns_per_address TCP
// connections per peer address, at most as many sessions (WebSocket and
// long polling together) per client address, and at most
// max_long_poll_sessions long-polling sessions in all, since creating one
// needs no credentials. What it refuses is answered with a documented code
// before anything is allocated for it.
type gate struct {
	// Static after construction.
	addrs    *addrs
	conns    *addrCounter // TCP connections per peer address
	sessions *addrCounter // sessions per client address
	maxLP    int
	log      *slog.Logger
	refused  *refusalLog

	mu sync.Mutex // guards lp
	lp int        // live long-polling sessions
}

func newGate(cfg *Config, log *slog.Logger) *gate {
	trusted, _ := parseTrusted(cfg.TrustedProxies) // Validate has checked them
	return &gate{addrs: &addrs{trusted: trusted}, conns: newAddrCounter(cfg.MaxConnsPerAddress),
		sessions: newAddrCounter(cfg.MaxConnsPerAddress), maxLP: cfg.MaxLongPollSessions, log: log,
		refused: newRefusalLog()}
}

// listen caps the connections each peer address holds on ln.
func (g *gate) listen(ln net.Listener) net.Listener {
	return &capListener{Listener: ln, count: g.conns, addrs: g.addrs,
		refused: func(addr string) { g.noteRefused(addr, "too many connections from one address") }}
}

// noteRefused logs refusals, at most one line a second with the count since
// the last one, so a flood cannot flood the log.
func (g *gate) noteRefused(addr, why string) {
	g.refused.note(func(n int) {
		g.log.Warn("connections refused", "last", addr, "why", why, "refused", n)
	})
}

// admit takes a session slot for a new connection of kind from r's client
// address, or answers the request itself and reports false: HTTP 429 when
// the address holds max_conns_per_address sessions, 503 when the server
// holds max_long_poll_sessions long-polling sessions.
func (g *gate) admit(w http.ResponseWriter, r *http.Request, kind string) (string, bool) {
	addr := g.addrs.of(r)
	if kind == session.KindLongPoll {
		g.mu.Lock()
		full := g.lp >= g.maxLP
		if !full {
			g.lp++
		}
		g.mu.Unlock()
		if full {
			g.noteRefused(addr, "too many long-polling sessions")
			w.Header().Set("Retry-After", "10")
			writeCtrl(w, http.StatusServiceUnavailable, "too many long-polling sessions")
			return "", false
		}
	}
	if !g.sessions.acquire(addr) {
		g.leave(addr, kind, false)
		g.noteRefused(addr, "too many sessions from one address")
		w.Header().Set("Retry-After", "10")
		writeCtrl(w, http.StatusTooManyRequests, "too many connections from this address")
		return "", false
	}
	return addr, true
}

// leave gives back what admit took for a session that ended.
func (g *gate) leave(addr, kind string, held bool) {
	if kind == session.KindLongPoll {
		g.mu.Lock()
		g.lp--
		g.mu.Unlock()
	}
	if held {
		g.sessions.release(addr)
	}
}

// httpServer builds the HTTP server with timeouts that free what idle or
// slow clients hold: a connection must finish its request header within
// read_header_timeout, and a keep-alive connection between requests is
// closed after http_idle_timeout.
func httpServer(cfg *Config, h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: time.Duration(cfg.ReadHeaderTimeout),
		IdleTimeout: time.Duration(cfg.HTTPIdleTimeout)}
}

// randomKey is a fresh 32-byte key for this process's session labels.
func randomKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

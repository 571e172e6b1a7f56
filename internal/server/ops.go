package server

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/metrics"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/trace"
)

// healthTimeout bounds the store read behind /healthz: a store that takes
// longer is as good as down for a load balancer.
const healthTimeout = 2 * time.Second

// opsRoutes adds what operators use: /healthz, Prometheus metrics at
// /metrics and the token-protected admin endpoints under /v0/admin/ (404
// while no admin_token is configured).
func (s *Server) opsRoutes(mux *http.ServeMux) {
	mux.Handle("GET /healthz", healthHandler(s.store))
	mux.Handle("GET /metrics", metrics.Handler(metrics.Sources{
		Trace:           s.trace,
		Sessions:        s.SessionCount,
		Topics:          s.hub.TopicCount,
		LaggingSessions: s.countLagging,
		Collectors:      append(s.deskCollectors(), storeCollectors(s.store)...),
	}))
	mux.Handle(admin.TracePath, admin.TraceHandler(s.trace, s.cfg.AdminToken, s.log))
}

// committer is a store that counts its write transactions (both SQL
// adapters do).
type committer interface{ Commits() int64 }

// storeCollectors reports the store's commits, so commits per message
// (against parley_messages_total{stage="stored"}) can be read from a
// running server: the figure group commit exists to keep low.
func storeCollectors(st store.Store) []prometheus.Collector {
	c, ok := st.(committer)
	if !ok {
		return nil
	}
	return []prometheus.Collector{prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "parley_store_commits_total",
		Help: "Write transactions the store committed (each a disk flush; group commit puts many writes in one).",
	}, func() float64 { return float64(c.Commits()) })}
}

// healthHandler answers 200 "ok" when the store answers a read, and 503
// otherwise: a process that serves HTTP but cannot read its database is not
// healthy. The read is the token key, which every running server has.
func healthHandler(keys store.Keys) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if _, err := keys.GetOrCreateKey(ctx, "token", nil); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
}

// announce logs that the server is up, and where a newcomer connects:
// the client endpoints, /metrics and /healthz, and the data directory as an
// absolute path, since a relative one depends on where Parley was started.
func (s *Server) announce(addr net.Addr) {
	data, err := filepath.Abs(s.cfg.DataDir)
	if err != nil {
		data = s.cfg.DataDir
	}
	s.log.Info("parley serving", "addr", addr.String(), "data", data, "store", s.storeName(), "version", s.version)
	web, ws := "http://", "ws://"
	if s.tls != nil {
		web, ws = "https://", "wss://"
	}
	host := s.publicHost(addr)
	s.log.Info("connect a Tinode client", "websocket", ws+host+"/v0/channels",
		"long_polling", web+host+"/v0/channels/lp", "metrics", web+host+"/metrics", "healthz", web+host+"/healthz")
}

// publicHost is the host:port clients use: the first ACME name when there
// is one, else the listening address with a wildcard IP replaced by
// localhost.
func (s *Server) publicHost(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if len(s.cfg.ACMEHosts) > 0 {
		if port == "443" {
			return s.cfg.ACMEHosts[0]
		}
		return net.JoinHostPort(s.cfg.ACMEHosts[0], port)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// Trace is the server's message event recorder; the composition hands it
// to the hub and to sessions, which record into it.
func (s *Server) Trace() *trace.Recorder { return s.trace }

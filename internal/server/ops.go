package server

import (
	"net/http"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/metrics"
	"github.com/parley-im/parley/internal/trace"
)

// opsRoutes adds what operators use: Prometheus metrics at /metrics and the
// token-protected admin endpoints under /v0/admin/ (404 while no
// admin_token is configured).
func (s *Server) opsRoutes(mux *http.ServeMux) {
	mux.Handle("GET /metrics", metrics.Handler(metrics.Sources{
		Trace:           s.trace,
		Sessions:        s.SessionCount,
		Topics:          s.hub.TopicCount,
		LaggingSessions: s.countLagging,
	}))
	mux.Handle(admin.TracePath, admin.TraceHandler(s.trace, s.cfg.AdminToken, s.log))
}

// Trace is the server's message event recorder; the composition hands it
// to the hub and to sessions, which record into it.
func (s *Server) Trace() *trace.Recorder { return s.trace }

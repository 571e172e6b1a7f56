// Package servertest starts real Parley servers for tests, in-process on a
// random loopback port with a temporary data directory, and gives tests a
// raw wire-level client that speaks JSON frames with deadlines instead of
// sleeps.
package servertest

import (
	"github.com/parley-im/parley/internal/auth"

	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

// Server is a running test server.
type Server struct {
	Addr string // host:port
	Dir  string // data directory
	srv  *server.Server
	stop func()
}

// Start runs a server until the test ends. Options adjust its config.
func Start(t testing.TB, opts ...func(*server.Config)) *Server {
	t.Helper()
	return StartIn(t, t.TempDir(), opts...)
}

// StartIn runs a server over the data in dir, so a test can restart one.
func StartIn(t testing.TB, dir string, opts ...func(*server.Config)) *Server {
	t.Helper()
	cfg := server.Defaults()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	cfg.PasswordCost = auth.MinPasswordCost // tests create many accounts
	cfg.SignupBurst = 1 << 20               // all from one address
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := server.New(cfg, "test", log)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	s := &Server{Addr: ln.Addr().String(), Dir: dir, srv: srv}
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(s.stop)
	return s
}

// Server is the running server itself, for tests that look inside it (its
// trace recorder, say).
func (s *Server) Server() *server.Server { return s.srv }

// Stop shuts the server down gracefully and waits for it.
func (s *Server) Stop() { s.stop() }

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Package server is Parley's composition root: it opens the store, builds the
// hub, the auth services and the transports, serves them over HTTP, and shuts
// everything down in order. It is the only package that knows every other.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
	"github.com/parley-im/parley/internal/trace"
	"github.com/parley-im/parley/internal/transport/lp"
	"github.com/parley-im/parley/internal/transport/ws"
)

// ProtocolVersion is the Tinode protocol version Parley speaks.
const ProtocolVersion = "0.25"

// Server is a running Parley gateway.
type Server struct {
	// Static after construction.
	cfg     Config
	version string
	log     *slog.Logger
	store   store.Store
	hub     *hub.Hub
	deps    *session.Deps
	scfg    *session.Config
	http    *http.Server
	done    chan struct{}
	trace   *trace.Recorder // every message's events, for metrics and `parley trace`

	mu       sync.Mutex // guards sessions
	sessions map[*session.Session]struct{}
}

// New opens the store in cfg.DataDir and builds the server.
func New(cfg Config, version string, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(filepath.Join(cfg.DataDir, "parley.db"), sqlite.Options{MaxBatch: cfg.GroupCommit})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	key, err := tokenKey(st)
	if err != nil {
		st.Close()
		return nil, err
	}
	if cfg.NewEpochs {
		if err := renewEpochs(st, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	limits := hub.DefaultLimits
	limits.MaxMessageSize, limits.MaxSubscribers = cfg.MaxMessageSize, cfg.MaxSubscribers
	rec := trace.NewRecorder(cfg.TraceCapacity, log)
	s := &Server{cfg: cfg, version: version, log: log, store: st, done: make(chan struct{}), trace: rec,
		hub:      hub.New(st, limits, log),
		sessions: map[*session.Session]struct{}{}}
	s.hub.SetTrace(rec)
	s.deps = &session.Deps{Hub: s.hub, Users: st, Tokens: auth.NewTokens(key, time.Duration(cfg.TokenLifetime)),
		Log: log, Trace: rec, Actions: action.NewRegistry(), Ended: s.sessionEnded,
		CloseUser: s.closeUser}
	s.scfg = &session.Config{Version: ProtocolVersion, Build: "parley:" + version,
		MaxMessageSize: cfg.MaxMessageSize, MaxSubscribers: cfg.MaxSubscribers,
		MaxTopics: cfg.MaxTopicsPerSession, OutboxBytes: cfg.OutboxBytes,
		RatePerSecond: cfg.RatePerSecond, RateBurst: cfg.RateBurst,
		RetransmitAfter: time.Duration(cfg.RetransmitAfter), RetransmitMin: time.Duration(cfg.RetransmitMin),
		RetransmitLimit: cfg.RetransmitLimit,
		PasswordCost:    cfg.PasswordCost}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// tokenKey returns the token signing key, created once and kept in the
// store so tokens stay valid across restarts.
func tokenKey(st store.Keys) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	key, err := st.GetOrCreateKey(context.Background(), "token", fresh)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return key, nil
}

// renewEpochs gives every topic a new epoch, before any topic is loaded.
func renewEpochs(st store.Topics, log *slog.Logger) error {
	n, err := st.RenewEpochs(context.Background(), hub.NewEpoch)
	if err != nil {
		return fmt.Errorf("new epochs: %w", err)
	}
	log.Warn("every topic has a new epoch: clients will drop the positions they hold", "topics", n)
	return nil
}

func (s *Server) routes() http.Handler {
	maxFrame := int64(s.cfg.MaxMessageSize)*2 + 4096
	idle := time.Duration(s.cfg.IdleTimeout)
	mux := http.NewServeMux()
	mux.Handle("/v0/channels", s.requireAPIKey(&ws.Handler{NewSession: s.newSession, CheckOrigin: s.checkOrigin,
		MaxFrame: maxFrame, PingEvery: idle * 9 / 10, IdleTimeout: idle, Log: s.log}))
	mux.Handle("/v0/channels/lp", s.requireAPIKey(lp.New(s.newSession, maxFrame, idle/2, idle, s.log, s.done)))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.opsRoutes(mux)
	return mux
}

// requireAPIKey rejects requests without the configured API key.
func (s *Server) requireAPIKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.APIKey != "" {
			key := r.Header.Get("X-Tinode-APIKey")
			if key == "" {
				key = r.URL.Query().Get("apikey")
			}
			if key != s.cfg.APIKey {
				http.Error(w, "valid API key required", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin allows any origin unless a list is configured. Requests with
// no Origin come from non-browser clients and are allowed.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if len(s.cfg.AllowedOrigins) == 0 || origin == "" {
		return true
	}
	for _, o := range s.cfg.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	return false
}

func (s *Server) newSession(kind, remote string) *session.Session {
	sess := session.New(s.deps, s.scfg, kind, remote)
	s.mu.Lock()
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	return sess
}

func (s *Server) sessionEnded(sess *session.Session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
}

// closeUser closes the live sessions of uid except keep. It walks every
// session: it runs only when a password changes or an account is deleted.
func (s *Server) closeUser(uid proto.Uid, keep *session.Session, d proto.Disconnect) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sess := range s.sessions {
		if sess != keep && sess.UserID() == uid {
			sess.Revoke(d)
		}
	}
}

// Serve accepts connections on ln until ctx is cancelled, then shuts down
// gracefully: no new connections, sessions closed with "server shutdown",
// writes in flight finished, the store closed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	s.log.Info("parley serving", "addr", ln.Addr().String(), "data", s.cfg.DataDir, "version", s.version)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.shutdown()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// ListenAndServe listens on the configured address and serves.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		s.store.Close()
		return err
	}
	return s.Serve(ctx, ln)
}

func (s *Server) shutdown() {
	close(s.done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.http.Shutdown(ctx)
	s.mu.Lock()
	for sess := range s.sessions {
		sess.Close(proto.DisconnectShutdown)
	}
	s.mu.Unlock()
	s.hub.Shutdown()
	if err := s.store.Close(); err != nil {
		s.log.Error("closing store", "err", err)
	}
	s.log.Info("parley stopped")
}

// countLagging is the number of live sessions that gave up retransmitting.
func (s *Server) countLagging() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for sess := range s.sessions {
		if sess.Lagging() {
			n++
		}
	}
	return n
}

// SessionCount is the number of live sessions.
func (s *Server) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

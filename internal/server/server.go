// Package server is Parley's composition root: it opens the store, builds the
// hub, the auth services and the transports, serves them over HTTP, and shuts
// everything down in order. It is the only package that knows every other.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/cluster"
	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/metrics"
	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/robot"
	"github.com/parley-im/parley/internal/session"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/trace"
	"github.com/parley-im/parley/internal/transport/lp"
	"github.com/parley-im/parley/internal/transport/ws"
	"github.com/parley-im/parley/internal/webhook"
	"golang.org/x/crypto/acme/autocert"
	ggrpc "google.golang.org/grpc"
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
	gate    *gate           // per-address and long-polling limits
	files   *fileService    // uploads and downloads (files.go)
	desk    *desk.Desk      // staff, roles and teams (desk.go)
	router  *desk.Router    // conversations, queues and routing (desk.go); nil in a cluster
	leader  *routerLeader   // in a cluster: the router, wherever it runs (deskcluster.go)
	robot   *robot.Robot    // answers conversations before a person (robot.go)
	outbox  *webhook.Outbox // the merchant's webhooks (robot.go)
	watcher *webhook.DeskWatcher
	policy  *policy.Engine  // word rules and the review service (policy.go)
	reviews *policy.Reviews // the review queue (policy.go)
	node    *cluster.Node   // this node of a cluster (cluster.go); nil when alone

	// TLS (tls.go): set by New, and acmeHTTP by Serve, before anything is served.
	tls      *tls.Config       // nil: plain HTTP
	acme     *autocert.Manager // when certificates come from ACME
	acmeHTTP *http.Server      // the HTTP-01 challenge listener, when acme_http is set

	// gRPC (grpc.go): set by Serve before anything is served; nil when off.
	grpc     *ggrpc.Server
	grpcAddr net.Addr
	// frames converts queued frames to protobuf for both protobuf
	// transports, once per frame.
	frames *pbx.Transcoder

	mu       sync.Mutex // guards sessions
	sessions map[*session.Session]struct{}
}

// New opens the store (cfg.Store, or SQLite in cfg.DataDir) and builds the
// server.
func New(cfg Config, version string, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := openStore(&cfg)
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
	limits.ReadsPerSession, limits.MaxReads, limits.ReadQueue = cfg.ReadsPerSession, cfg.MaxReads, cfg.ReadQueue
	limits.EditWindow = time.Duration(cfg.EditWindow)
	rec := trace.NewRecorder(cfg.TraceCapacity, log)
	s := &Server{cfg: cfg, version: version, log: log, store: st, done: make(chan struct{}), trace: rec,
		gate:     newGate(&cfg, log),
		hub:      hub.New(st, limits, log),
		sessions: map[*session.Session]struct{}{}, frames: pbx.NewTranscoder()}
	s.hub.SetTrace(rec)
	if err := s.joinCluster(); err != nil {
		st.Close()
		return nil, err
	}
	s.deps = &session.Deps{Hub: s.hub, Users: st, Tokens: auth.NewTokens(key, time.Duration(cfg.TokenLifetime)),
		Log: log, Trace: rec, Actions: action.NewRegistry(), Ended: s.sessionEnded,
		CloseUser: s.closeUser, LabelKey: randomKey(), Passwords: auth.NewPasswords(cfg.PasswordWorkers),
		AccountFailures: auth.NewThrottle(cfg.LoginAccountBurst, time.Duration(cfg.LoginAccountEvery)),
		AddressFailures: auth.NewThrottle(cfg.LoginAddressBurst, time.Duration(cfg.LoginAddressEvery)),
		Signups:         auth.NewThrottle(cfg.SignupBurst, time.Duration(cfg.SignupEvery)),
		Deliveries:      metrics.NewDeliveries()}
	if ms, ok := st.(store.Marks); ok {
		s.hub.RegisterMarks(s.deps.Actions, ms)
	}
	if err := cfg.setCustomerVerifiers(s.deps); err != nil {
		s.leaveCluster()
		st.Close()
		return nil, err
	}
	s.scfg = &session.Config{Version: ProtocolVersion, Build: "parley:" + version,
		MaxMessageSize: cfg.MaxMessageSize, MaxSubscribers: cfg.MaxSubscribers, MaxFileSize: cfg.FileMaxSize,
		MaxTopics: cfg.MaxTopicsPerSession, OutboxBytes: cfg.OutboxBytes,
		RatePerSecond: cfg.RatePerSecond, RateBurst: cfg.RateBurst,
		RetransmitAfter: time.Duration(cfg.RetransmitAfter), RetransmitMin: time.Duration(cfg.RetransmitMin),
		RetransmitLimit: cfg.RetransmitLimit,
		PasswordCost:    cfg.PasswordCost, HiTimeout: time.Duration(cfg.HiTimeout),
		LoginTimeout: time.Duration(cfg.LoginTimeout)}
	if s.files, err = newFileService(&cfg, st, s.deps.Tokens, log); err != nil {
		s.leaveCluster()
		st.Close()
		return nil, err
	}
	if err := s.setupDesk(st); err != nil {
		s.leaveCluster()
		st.Close()
		return nil, err
	}
	if err := s.setupPolicy(st); err != nil {
		s.stopDesk()
		st.Close()
		return nil, err
	}
	s.http = httpServer(&cfg, s.hsts(s.routes()))
	if err := s.setupTLS(); err != nil {
		s.stopDesk()
		s.leaveCluster()
		st.Close()
		return nil, err
	}
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
		MaxFrame: maxFrame, PingEvery: idle * 9 / 10, IdleTimeout: idle,
		WriteTimeout: time.Duration(s.cfg.WriteTimeout), Log: s.log, Transcoder: s.frames}))
	mux.Handle("/v0/channels/lp", s.cors(s.requireOrigin(s.requireAPIKey(
		lp.New(lp.Config{NewSession: s.newSession, Addr: s.gate.addrs.of, MaxFrame: maxFrame,
			PollTimeout: idle / 2, IdleTimeout: idle, Log: s.log}, s.done)))))
	s.fileRoutes(mux)
	s.opsRoutes(mux)
	s.deskRoutes(mux)
	s.policyRoutes(mux)
	s.webAppRoutes(mux)
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

// newSession starts a session for a new connection, or answers the request
// itself and returns nil when the gate refuses it.
func (s *Server) newSession(w http.ResponseWriter, r *http.Request, kind string) *session.Session {
	addr, ok := s.gate.admit(w, r, kind)
	if !ok {
		return nil
	}
	sess := session.New(s.deps, s.scfg, kind, addr)
	s.mu.Lock()
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	return sess
}

func (s *Server) sessionEnded(sess *session.Session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	s.gate.leave(sess.Remote(), sess.Kind(), true)
	s.deskSessionEnded(sess)
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
	ln, err := s.listenTLS(ln)
	if err != nil {
		s.shutdown()
		return err
	}
	errc := make(chan error, 1)
	if err := s.startGRPC(); err != nil {
		ln.Close()
		s.shutdown()
		return err
	}
	ln = s.gate.listen(ln)
	go func() { errc <- s.http.Serve(ln) }()
	ttl := time.Duration(s.cfg.FileUnsentTTL)
	go s.files.collectUnsent(ttl, collectEvery(ttl), s.done)
	s.announce(ln.Addr())
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
	s.stopTLS(ctx)
	s.mu.Lock()
	for sess := range s.sessions {
		sess.Close(proto.DisconnectShutdown)
	}
	s.mu.Unlock()
	s.stopGRPC(ctx)
	s.stopDesk()
	s.departCluster()
	s.hub.Shutdown()
	s.leaveCluster()
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

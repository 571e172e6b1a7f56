package server

import (
	"context"
	"fmt"
	"net"
	"time"

	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/parley-im/parley/internal/session"
	grpctransport "github.com/parley-im/parley/internal/transport/grpc"
)

// grpcStreamsPerConn bounds the MessageLoop streams (sessions) one HTTP/2
// connection carries; the per-address session cap (max_conns_per_address)
// applies to them as to WebSocket sessions.
const grpcStreamsPerConn = 16

// startGRPC serves the gRPC transport on grpc_listen, when it is set. It
// uses the server's TLS, and the same admission as the other transports:
// the per-address cap on TCP connections and on sessions.
func (s *Server) startGRPC() error {
	if s.cfg.GRPCListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.GRPCListen)
	if err != nil {
		return fmt.Errorf("grpc listen: %w", err)
	}
	idle := time.Duration(s.cfg.IdleTimeout)
	opts := []ggrpc.ServerOption{
		// A client message may be as large as a WebSocket frame may.
		ggrpc.MaxRecvMsgSize(s.cfg.MaxMessageSize*2 + 4096),
		ggrpc.MaxConcurrentStreams(grpcStreamsPerConn),
		ggrpc.ConnectionTimeout(time.Duration(s.cfg.ReadHeaderTimeout)),
		// Pings find dead peers as the WebSocket pings do; clients may
		// ping too, but not more often than every 10 s.
		ggrpc.KeepaliveParams(keepalive.ServerParameters{Time: idle * 9 / 10, Timeout: idle / 2}),
		ggrpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second,
			PermitWithoutStream: true}),
	}
	if s.tls != nil {
		opts = append(opts, ggrpc.Creds(credentials.NewTLS(s.tls)))
	}
	g := ggrpc.NewServer(opts...)
	grpctransport.New(grpctransport.Config{NewSession: s.newGRPCSession, Log: s.log,
		Transcoder: s.frames}).Register(g)
	s.grpc, s.grpcAddr = g, ln.Addr()
	ln = s.gate.listen(ln)
	go g.Serve(ln)
	s.log.Info("grpc serving", "addr", ln.Addr().String(), "service", "pbx.Node")
	return nil
}

// newGRPCSession admits a MessageLoop stream from addr (host:port) as a
// session, or refuses it when that address holds too many sessions.
func (s *Server) newGRPCSession(addr string) *session.Session {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if !s.gate.sessions.acquire(host) {
		s.gate.noteRefused(host, "too many sessions from one address")
		return nil
	}
	sess := session.New(s.deps, s.scfg, session.KindGRPC, host)
	s.mu.Lock()
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	return sess
}

// stopGRPC ends the gRPC service: sessions were told to close already, so
// streams end by themselves; ctx bounds the wait.
func (s *Server) stopGRPC(ctx context.Context) {
	if s.grpc != nil {
		grpctransport.Stop(ctx, s.grpc)
	}
}

// GRPCAddr is the address the gRPC service listens on, nil when it is off.
func (s *Server) GRPCAddr() net.Addr { return s.grpcAddr }

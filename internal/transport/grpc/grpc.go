// Package grpc is the gRPC transport: Tinode's pbx.Node service, whose
// MessageLoop bidirectional stream is one session, fed and drained like a
// WebSocket connection. Client messages arrive as protobuf and are
// converted into the message model (internal/pbx); what the session sends
// is converted back. The session code is the same as on every transport.
package grpc

import (
	"context"
	"log/slog"

	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
)

// Config is what the service needs from the server.
type Config struct {
	// NewSession starts a session for a stream from the client at addr
	// (host:port); it returns nil when the server refuses it (too many
	// sessions from that address).
	NewSession func(addr string) *session.Session
	Log        *slog.Logger
	// Transcoder converts queued frames once per frame, for all the
	// streams they were queued to.
	Transcoder *pbx.Transcoder
}

// Service implements pbx.Node.
type Service struct {
	pbx.UnimplementedNodeServer
	cfg Config // static after construction
}

// New returns the service; Register adds it to a gRPC server.
func New(cfg Config) *Service { return &Service{cfg: cfg} }

// Register adds the service to g.
func (s *Service) Register(g *ggrpc.Server) { pbx.RegisterNodeServer(g, s) }

// MessageLoop serves one session for the life of the stream. The handler's
// goroutine is the stream's only writer (gRPC allows one); a second
// goroutine reads and hands each message to the session, in order.
func (s *Service) MessageLoop(stream pbx.Node_MessageLoopServer) error {
	addr := "unknown"
	if p, ok := peer.FromContext(stream.Context()); ok && p.Addr != nil {
		addr = p.Addr.String()
	}
	sess := s.cfg.NewSession(addr)
	if sess == nil {
		return status.Error(codes.ResourceExhausted, "too many connections from this address")
	}
	defer sess.End()
	readDone := make(chan struct{})
	go s.read(stream, sess, readDone)
	return s.write(stream, sess, readDone)
}

// read hands each client message to the session until the stream ends.
func (s *Service) read(stream pbx.Node_MessageLoopServer, sess *session.Session, done chan<- struct{}) {
	defer close(done)
	for {
		m, err := stream.Recv()
		if err != nil {
			return
		}
		msg, err := pbx.ClientFromWire(m)
		sess.ReceiveDecoded(msg, err, gproto.Size(m))
	}
}

// write sends what the session queues until the session ends the stream
// (its close reason becomes the stream's status), the client stops sending
// (half-close or cancel), or the server stops.
func (s *Service) write(stream pbx.Node_MessageLoopServer, sess *session.Session, readDone <-chan struct{}) error {
	ctx := stream.Context()
	for {
		select {
		case <-sess.Ready():
		case <-readDone:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
		frames, bye := sess.Drain(0)
		for _, f := range frames {
			if err := s.send(stream, sess, f); err != nil {
				return err
			}
		}
		if bye != nil {
			return closeStatus(bye)
		}
	}
}

// send converts one queued frame to protobuf and sends it. The outbox holds
// the JSON every transport is given (topics encode a frame once for all
// their sessions); the conversion happens here, at the edge.
func (s *Service) send(stream pbx.Node_MessageLoopServer, sess *session.Session, frame []byte) error {
	w, ok := s.convert(sess, frame)
	if !ok {
		return nil
	}
	return stream.Send(w)
}

// convert turns a queued JSON frame into the wire message (shared with
// other streams: it is only read). It skips what is not a server message
// (the probe answer, which never reaches gRPC) and Parley's presence kinds
// without a Tinode enum value for sessions that did not opt into reliable
// delivery (session/reliable.go).
func (s *Service) convert(sess *session.Session, frame []byte) (*pbx.ServerMsg, bool) {
	w, _, ok := s.cfg.Transcoder.Server(frame)
	if !ok {
		if string(frame) != "0" { // the probe answer is expected; anything else is a bug
			s.cfg.Log.Error("grpc: a queued frame does not convert to protobuf", "session", sess.SessionID(),
				"bytes", len(frame))
		}
		return nil, false
	}
	if p := w.GetPres(); p != nil && p.GetWhatExt() != "" && !sess.Reliable() {
		return nil, false
	}
	return w, true
}

// closeStatus is the stream's final status for a session's close reason:
// the reason's text with its disconnect code, as a WebSocket close frame
// would carry them.
func closeStatus(d *proto.Disconnect) error {
	c := codes.Aborted
	switch *d {
	case proto.DisconnectShutdown:
		c = codes.Unavailable
	case proto.DisconnectSlow:
		c = codes.ResourceExhausted
	}
	return status.Errorf(c, "%d %s", d.Code, d.Reason)
}

// Stop is a convenience for tests and the server: it stops g, waiting at
// most until ctx ends for streams to finish.
func Stop(ctx context.Context, g *ggrpc.Server) {
	done := make(chan struct{})
	go func() {
		g.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		g.Stop()
	}
}

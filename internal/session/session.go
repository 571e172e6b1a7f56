// Package session runs one client connection, whatever its transport: it
// decodes frames, holds the session's identity and attachments, routes
// requests to topics through the hub, and queues replies in a bounded
// outbox that the transport's writer drains.
package session

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/metrics"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/trace"
)

// Config holds the limits and identity a session works with.
type Config struct {
	Version        string  // protocol version reported in hi, "0.25"
	Build          string  // server build reported in hi
	MaxMessageSize int     // bytes of one client frame carrying a pub
	MaxSubscribers int     // reported in hi
	MaxFileSize    int     // largest upload, reported in hi as maxFileUploadSize
	MaxTopics      int     // topics one session may attach to
	OutboxBytes    int     // queued outbound bytes before a slow-consumer close
	RatePerSecond  float64 // client messages per second, sustained
	RateBurst      int     // client messages in a burst
	// RetransmitAfter is how long a pushed {data} frame may stay
	// unacknowledged before it is sent again until the session's ack time
	// is measured, and the most it waits after that; each later attempt
	// waits twice as long. After RetransmitLimit attempts the session is
	// lagging. RetransmitMin is the least it waits however fast the
	// session acks (capped at RetransmitAfter).
	RetransmitAfter time.Duration
	RetransmitMin   time.Duration
	RetransmitLimit int
	// PasswordCost is the bcrypt cost of new passwords; zero is the default.
	PasswordCost int
	// HiTimeout is how long a new session may take to send hi, and
	// LoginTimeout how long after hi it may stay without logging in; it is
	// then closed with DisconnectNoHi or DisconnectNoLogin. Zero: no limit.
	HiTimeout    time.Duration
	LoginTimeout time.Duration
}

// Retransmission defaults, used when Config leaves them zero.
const (
	DefaultRetransmitAfter = 5 * time.Second
	DefaultRetransmitMin   = 200 * time.Millisecond
	DefaultRetransmitLimit = 5
)

// Accounts is what sessions need of the store: users and their logins.
type Accounts interface {
	store.Users
	store.Auths
}

// Deps are the services a session uses.
type Deps struct {
	Hub    *hub.Hub
	Users  Accounts
	Tokens *auth.Tokens
	Log    *slog.Logger
	// Actions answers {action}; nil serves only the built-in actions.
	Actions *action.Registry
	// Trace, if set, records each message's pushes, acks and retries.
	Trace *trace.Recorder
	// Ended, if set, is called once when a session has ended.
	Ended func(*Session)
	// Passwords runs bcrypt on a bounded number of cores; nil: unbounded.
	Passwords *auth.Passwords
	// AccountFailures and AddressFailures throttle failed logins per
	// account and per client address; nil: no throttling.
	AccountFailures *auth.Throttle
	AddressFailures *auth.Throttle
	// Signups throttles new accounts per client address: each is a row
	// kept for good, and anonymous ones need no credentials; nil: none.
	Signups *auth.Throttle
	// JWT and Identifiers check the secrets of customers vouched for by
	// the merchant (schemes jwt and hmac); nil turns the scheme off.
	JWT         *auth.JWTVerifier
	Identifiers *auth.IdentifierVerifier
	// LabelKey keys the hash that turns a session's sid into the label
	// logs and traces show (SessionID); a random key per process.
	LabelKey []byte
	// CloseUser, if set, closes every live session of uid but keep with d:
	// after a password change (revoked credentials must not stay
	// connected) and after the account's deletion.
	CloseUser func(uid proto.Uid, keep *Session, d proto.Disconnect)
	// Deliveries, if set, measures each live delivery from its message's
	// commit to the socket write (transports call Written).
	Deliveries *metrics.Deliveries
	// Disabled, if set, reports whether uid may not log in (a disabled
	// staff account); whatever the scheme, the login then fails with 401.
	Disabled func(uid proto.Uid) bool
}

// Transport kinds, which differ in small protocol details.
const (
	KindWebSocket = "ws"
	KindLongPoll  = "lp"
	// KindGRPC sessions opt into reliable delivery (reliable.go).
	KindGRPC = "grpc"
)

// Session is one client connection.
type Session struct {
	// Static after construction.
	sid    string // what the client knows the session by; a credential for long polling
	id     string // an opaque label of sid for logs and traces, useless as a sid
	kind   string
	remote string
	cfg    *Config
	deps   *Deps
	out    *outbox
	win    *window
	limit  *rate.Limiter
	// ctx ends when the session does (or the hub stops): the reads made
	// for it stop rather than read on for nobody.
	ctx    context.Context
	cancel context.CancelFunc
	dl     deadline // hi, then login

	// Owned by the goroutine calling Receive (transports call it serially).
	hiDone bool

	// Read by topic actors, written by Receive.
	uid   atomic.Uint64
	level atomic.Int32
	// revoked is set when the user's credentials were revoked or the
	// account deleted: the session takes no more requests.
	revoked atomic.Bool

	// Guarded by mu.
	mu       sync.Mutex
	attached map[string]string // view → internal name, for attached topics
	pending  map[string]int    // view → sub requests not yet answered; nil when none
	ended    bool
	device   string // hi.dev, read by topic actors
}

// New returns a session for a connection of the given kind.
func New(deps *Deps, cfg *Config, kind, remote string) *Session {
	sid := newSessionID()
	s := &Session{
		sid: sid, id: label(deps.LabelKey, sid), kind: kind, remote: remote, cfg: cfg, deps: deps,
		out:      newOutbox(cfg.OutboxBytes),
		limit:    rate.NewLimiter(rate.Limit(cfg.RatePerSecond), cfg.RateBurst),
		attached: map[string]string{},
	}
	parent := context.Background()
	if deps.Hub != nil {
		parent = deps.Hub.Context()
	}
	s.ctx, s.cancel = context.WithCancel(parent)
	floor, rto, limit := cfg.RetransmitMin, cfg.RetransmitAfter, cfg.RetransmitLimit
	if floor <= 0 {
		floor = DefaultRetransmitMin
	}
	if rto <= 0 {
		rto = DefaultRetransmitAfter
	}
	if limit <= 0 {
		limit = DefaultRetransmitLimit
	}
	s.win = newWindow(floor, rto, limit, s.retransmit, s.gaveUp)
	s.win.waitAck = kind == KindGRPC
	s.win.quiet = kind == KindWebSocket
	s.dl.start(cfg.HiTimeout, proto.DisconnectNoHi, s.Close)
	return s
}

func newSessionID() string {
	var b [12]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// label is the keyed hash of sid that stands for the session wherever it
// is shown: it identifies the session in a trace, but whoever reads the
// trace cannot turn it back into the sid.
func label(key []byte, sid string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sid))
	return "s-" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:9])
}

// SessionID identifies the session in logs and traces, and to topics: an
// opaque label, never the sid itself.
func (s *Session) SessionID() string { return s.id }

// SID is the id the client knows the session by (hi's params.sid). For
// long polling it is the session's credential: it must never be logged,
// traced or shown to anyone but the session's own client.
func (s *Session) SID() string { return s.sid }

// Remote is the client address the session was admitted from.
func (s *Session) Remote() string { return s.remote }

// Kind is the session's transport, KindWebSocket or KindLongPoll.
func (s *Session) Kind() string { return s.kind }

// UserID is the logged-in user, zero before login.
func (s *Session) UserID() proto.Uid { return proto.Uid(s.uid.Load()) }

// DeviceID is the device id the client sent in hi.dev, empty if none
// (hub.Subscriber): topics keep a delivered mark per device.
func (s *Session) DeviceID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.device
}

// AuthLevel is the login's auth level, zero before login.
func (s *Session) AuthLevel() int { return int(s.level.Load()) }

// Send queues a frame for the client (hub.Subscriber). A {data} frame stays
// in the delivery window until the client acknowledges it.
func (s *Session) Send(f hub.Frame) bool { return s.SendBatch([]hub.Frame{f}) }

// SendBatch queues frames in order (hub.BatchSender): each {data} frame is
// tracked in the delivery window, and the frames of its topic presumed lost
// go again ahead of the batch. The outbox takes them all under one lock and
// wakes the writer once, so they usually leave in one system call.
func (s *Session) SendBatch(fs []hub.Frame) bool {
	tracked, again := s.win.trackAll(fs)
	bufs := make([][]byte, 0, len(again)+len(fs))
	for _, r := range again {
		bufs = append(bufs, r.frame.Bytes)
	}
	for i := range fs {
		bufs = append(bufs, fs[i].Bytes)
	}
	var stamps []time.Time
	if s.deps.Deliveries != nil {
		stamps = deliveryStamps(len(again), fs, tracked)
	}
	user := s.UserID().UserID()
	if !s.out.pushAll(bufs, stamps) {
		for _, f := range fs {
			s.recordAs(user, trace.Dropped, f, 0)
		}
		return false
	}
	for _, r := range again {
		s.recordAs(user, trace.Retransmitted, r.frame, r.attempt+1)
	}
	for i, f := range fs {
		if tracked[i] {
			s.recordAs(user, trace.Pushed, f, 1)
		}
	}
	return true
}

// deliveryStamps returns, aligned with the frames SendBatch queues (skip
// resends, then fs), the commit time of each first live delivery in fs and
// zero for the rest; nil when there is none.
func deliveryStamps(skip int, fs []hub.Frame, tracked []bool) []time.Time {
	var stamps []time.Time
	for i := range fs {
		if fs[i].Stored.IsZero() || !tracked[i] {
			continue
		}
		if stamps == nil {
			stamps = make([]time.Time, skip+len(fs))
		}
		stamps[skip+i] = fs[i].Stored
	}
	return stamps
}

// SubDone is told by a topic that a sub request for view was handled.
func (s *Session) SubDone(view string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending[view]--; s.pending[view] <= 0 {
		delete(s.pending, view)
	}
	if len(s.pending) == 0 {
		s.pending = nil // a map keeps its buckets; most sessions are idle
	}
	if ok {
		s.attached[view] = s.resolveAttached(view)
	}
}

// Detached is told by a topic that the session is no longer attached.
func (s *Session) Detached(view string) {
	s.mu.Lock()
	delete(s.attached, view)
	s.mu.Unlock()
	s.win.detached(view)
}

// Ready is signalled when outbound frames or a close are waiting.
func (s *Session) Ready() <-chan struct{} { return s.out.ready }

// OnReady registers fn to be called, without locks held, each time frames or
// a close are queued (after Ready is signalled). A transport uses it to run
// a writer only while there is something to write; fn must not block.
func (s *Session) OnReady(fn func()) { s.out.setWake(fn) }

// Drain returns queued frames (at most max; all when max ≤ 0) and, once
// everything before it is drained, the reason to close the connection.
func (s *Session) Drain(max int) ([][]byte, *proto.Disconnect) { return s.out.drain(max) }

// Written tells the session that the frames of the last Drain reached the
// socket; it observes their delivery latency (Deps.Deliveries) with one
// clock read. A transport that never calls it is simply not measured.
func (s *Session) Written() {
	if s.deps.Deliveries == nil {
		return
	}
	if stamps, taken := s.out.written(); stamps != nil {
		s.deps.Deliveries.ObserveWritten(stamps, taken, time.Now())
	}
}

// Close asks the transport to end the connection with d.
func (s *Session) Close(d proto.Disconnect) { s.out.close(d) }

// Revoke ends the session because its credentials no longer hold (a
// password change elsewhere, the account's deletion): from now on it takes
// no requests, and the transport closes the connection with d after what
// is queued.
func (s *Session) Revoke(d proto.Disconnect) {
	s.revoked.Store(true)
	s.out.close(d)
}

// End releases everything the session holds. Transports call it once when
// the connection is gone.
func (s *Session) End() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	topics := make([]string, 0, len(s.attached)+len(s.pending))
	for _, internal := range s.attached {
		topics = append(topics, internal)
	}
	// A sub still on its way will attach the session after this; the
	// detach queued behind it at the same topic undoes that.
	for view := range s.pending {
		if _, ok := s.attached[view]; !ok {
			topics = append(topics, s.resolveAttached(view))
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.out.close(proto.DisconnectShutdown)
	s.win.stop()
	s.dl.stop()
	for _, name := range topics {
		s.deps.Hub.Leave(name, s)
	}
	if uid := s.UserID(); uid != proto.ZeroUid {
		s.deps.Hub.SessionEnded(uid)
	}
	if s.deps.Ended != nil {
		s.deps.Ended(s)
	}
}

// Context ends when the session ends (hub.Subscriber's optional
// contextual): topics run the session's reads under it.
func (s *Session) Context() context.Context { return s.ctx }

// Gone reports whether the session has ended (hub.Subscriber): topics drop
// such sessions even if the detach they were sent was lost to a full queue.
func (s *Session) Gone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// reply queues a server message for the client.
func (s *Session) reply(m *proto.ServerMsg) {
	b, err := proto.Encode(m)
	if err != nil {
		s.deps.Log.Error("encode reply", "err", err)
		return
	}
	s.out.push(b)
}

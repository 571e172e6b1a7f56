package parley

import (
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/sdk/go/internal/netlink"
)

// Option configures a Client.
type Option func(*options)

type options struct {
	url          func() string
	dial         netlink.Dialer
	backoff      netlink.Backoff
	healthyAfter time.Duration
	idle         time.Duration
	probeEvery   time.Duration
	after        func(time.Duration) <-chan time.Time
	now          func() time.Time
	sendTimeout  time.Duration
	maxAttempts  int
	ackDelay     time.Duration
	history      int
	filter       func(*Message) bool
	userAgent    string
	deviceID     string
	codec        codec
	http         *http.Client // uploads (files.go)
}

func defaults() options {
	return options{
		url:          func() string { return "ws://localhost:6060/v0/channels" },
		backoff:      netlink.Backoff{Base: 500 * time.Millisecond, Max: 30 * time.Second},
		healthyAfter: 10 * time.Second,
		idle:         70 * time.Second, // the server pings every ~50 s
		probeEvery:   25 * time.Second,
		sendTimeout:  10 * time.Second,
		maxAttempts:  5,
		ackDelay:     50 * time.Millisecond,
		history:      100,
		userAgent:    "parley-go/0.1",
		codec:        jsonCodec{},
		http:         http.DefaultClient,
	}
}

// WithAddress dials ws://addr/v0/channels.
func WithAddress(addr string) Option {
	return WithURLFunc(func() string { return "ws://" + addr + "/v0/channels" })
}

// WithAddresses dials the nodes of a cluster in turn: each connection goes
// to the address after the previous one's, starting at a random one, so
// clients spread over the nodes and one whose node died is on another at
// its next dial. Any node of a cluster serves any topic, and the session
// resumes there as on the node it left (hi.dev, the outbox's msgids). With
// one address it is WithAddress.
func WithAddresses(addrs ...string) Option {
	if len(addrs) == 0 {
		return func(*options) {}
	}
	var next atomic.Uint64
	next.Store(rand.Uint64N(uint64(len(addrs))))
	return WithURLFunc(func() string {
		i := (next.Add(1) - 1) % uint64(len(addrs))
		return "ws://" + addrs[i] + "/v0/channels"
	})
}

// WithURLFunc asks fn for the WebSocket URL before every dial, so a client
// can follow a server that moved (a restart on a new port, a fail-over).
func WithURLFunc(fn func() string) Option { return func(o *options) { o.url = fn } }

// WithDialer replaces the WebSocket dialer, for tests and custom transports.
func WithDialer(d Dialer) Option { return func(o *options) { o.dial = d } }

// WithBackoff sets the reconnect delay's base and cap; the delay before the
// n-th retry is uniform in [0, min(max, base·2ⁿ)).
func WithBackoff(base, max time.Duration) Option {
	return func(o *options) { o.backoff.Base, o.backoff.Max = base, max }
}

// WithHeartbeat sets how long a silent connection is trusted (idle) and how
// often the client sends the probe "1" (probe; negative disables).
func WithHeartbeat(idle, probe time.Duration) Option {
	return func(o *options) { o.idle, o.probeEvery = idle, probe }
}

// WithSendTimeout sets how long a send waits for its ack before it is
// repeated (same msgid), and after how many timeouts it fails.
func WithSendTimeout(timeout time.Duration, attempts int) Option {
	return func(o *options) { o.sendTimeout, o.maxAttempts = timeout, max(attempts, 1) }
}

// WithAckDelay sets the debounce of receipts: all messages received within
// it are acknowledged in one {datares} frame.
func WithAckDelay(d time.Duration) Option { return func(o *options) { o.ackDelay = d } }

// WithHistory sets how many recent messages a first Join loads.
func WithHistory(n int) Option { return func(o *options) { o.history = n } }

// WithFilter drops received messages for which keep returns false before
// they enter any pool (they are still acknowledged).
func WithFilter(keep func(*Message) bool) Option { return func(o *options) { o.filter = keep } }

// WithDeviceID sets the device id sent as hi.dev: up to 255 letters,
// digits and "._:-". The server keeps a delivered mark per device, so a
// device coming back is sent what it missed even when another device of the
// same user acknowledged more. Keep it stable across restarts of the app
// (store it); without this option the client makes one up, stable for the
// Client's life only.
func WithDeviceID(id string) Option { return func(o *options) { o.deviceID = id } }

// WithUserAgent sets the hi.ua string.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// WithProtobuf speaks Parley's protobuf instead of Tinode JSON: the
// WebSocket subprotocol parley-protobuf, binary frames, large batches
// (history pages, catch-up) compressed by the server. The raw probe "1" is a
// JSON-transport feature, so it is off: a dead connection is noticed when the
// server's pings stop (WithHeartbeat's idle). A custom dialer (WithDialer)
// must negotiate the subprotocol itself.
func WithProtobuf() Option {
	return func(o *options) { o.codec = protobufCodec{} }
}

// WithHTTPClient sets the HTTP client of file uploads (a proxy, TLS roots,
// a throttled transport in tests).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.http = hc } }

package parley

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/sdk/go/internal/netlink"
	"github.com/parley-im/parley/sdk/go/internal/outbox"
)

// Errors returned by requests.
var (
	ErrDisconnected = errors.New("parley: disconnected")
	ErrClosed       = errors.New("parley: client closed")
)

// CtrlError is a request the server refused.
type CtrlError struct {
	Code int
	Text string
}

func (e *CtrlError) Error() string { return fmt.Sprintf("parley: %d %s", e.Code, e.Text) }

// Client is one user's connection to a Parley server. It is safe for
// concurrent use.
type Client struct {
	o      options
	link   *netlink.Link
	box    *outbox.Outbox
	ev     events
	kick   chan struct{} // wakes the sender
	quit   chan struct{}
	hello  chan struct{} // closed when the first hi is answered
	closer sync.Once

	mu sync.Mutex
	// Guarded by mu.
	gen      uint64 // live connection, 0 while down
	ready    bool   // logged in on gen
	helloed  bool
	user     string
	token    string
	creds    *Credentials
	convs    map[string]*conv
	waiters  map[string]*waiter
	pubs     map[string]pubRef // pub request id → the send it carries
	nextID   uint64
	ackTimer *time.Timer
}

// waiter is a request waiting for the ctrl that completes it.
type waiter struct {
	ch   chan *proto.MsgServerCtrl
	done func(*proto.MsgServerCtrl) bool
}

type pubRef struct{ topic, msgid string }

// New builds a client; Connect starts it.
func New(opts ...Option) *Client {
	o := defaults()
	for _, opt := range opts {
		opt(&o)
	}
	if o.dial == nil {
		o.dial = netlink.WebSocket(o.idle)
		if _, ok := o.codec.(protobufCodec); ok {
			o.dial = netlink.WebSocketProtobuf(o.idle)
		}
	}
	if _, ok := o.codec.(protobufCodec); ok {
		o.probeEvery = -1 // the probe is JSON-only (WithProtobuf)
	}
	if o.deviceID == "" {
		o.deviceID = newDeviceID()
	}
	c := &Client{o: o, box: outbox.New(o.sendTimeout, o.maxAttempts), ev: newEvents(),
		kick: make(chan struct{}, 1), quit: make(chan struct{}), hello: make(chan struct{}),
		convs: map[string]*conv{}, waiters: map[string]*waiter{}, pubs: map[string]pubRef{}}
	c.link = netlink.New(netlink.Config{URL: o.url, Dial: o.dial, Backoff: o.backoff,
		HealthyAfter: o.healthyAfter, ProbeEvery: o.probeEvery, After: o.after, Now: o.now})
	return c
}

// Connect starts the connection (and keeps it up until Close) and waits
// until the server has answered hi.
func (c *Client) Connect(ctx context.Context) error {
	c.link.Subscribe(c.onLink)
	c.link.Start()
	go c.sendLoop()
	select {
	case <-c.hello:
		return nil
	case <-c.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the connection and stops the client. Unsent messages are
// dropped with it.
func (c *Client) Close() {
	c.closer.Do(func() {
		close(c.quit)
		c.link.Close()
		c.mu.Lock()
		if c.ackTimer != nil {
			c.ackTimer.Stop()
		}
		c.mu.Unlock()
		c.ev.close()
	})
}

// DeviceID is the id this client sends as hi.dev on every connection.
func (c *Client) DeviceID() string { return c.o.deviceID }

// newDeviceID makes up a device id: 128 random bits, base64url, which the
// server accepts as is.
func newDeviceID() string {
	var b [16]byte
	rand.Read(b[:])
	return "go-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// UserID is the logged-in user's id ("usr…").
func (c *Client) UserID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// Token is the latest login token; it survives server restarts.
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// Drop closes the current connection as a network failure would; the client
// reconnects. It exists for fault testing.
func (c *Client) Drop() { c.link.Drop() }

// onLink handles the network layer's events, in order, on one goroutine. It
// never waits on the network: work that needs answers runs elsewhere.
func (c *Client) onLink(e netlink.Event) {
	switch {
	case e.Frame != nil:
		c.onFrame(e.Frame)
		return
	case e.State == netlink.Connected:
		c.mu.Lock()
		c.gen, c.ready = e.Gen, false
		c.mu.Unlock()
		go c.establish(e.Gen)
	default:
		c.connectionLost()
	}
	c.ev.state.Publish(ConnState{State: e.State, Err: e.Err, Attempt: e.Attempt, Delay: e.Delay})
}

// connectionLost fails the requests in flight; sends stay in the outbox.
func (c *Client) connectionLost() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen, c.ready = 0, false
	for id, w := range c.waiters {
		close(w.ch)
		delete(c.waiters, id)
	}
	clear(c.pubs)
	for _, cv := range c.convs {
		cv.detach()
	}
}

func (c *Client) onFrame(frame []byte) { c.o.codec.decode(frame, c.onMessage) }

func (c *Client) onMessage(m *proto.ServerMsg) {
	switch {
	case m.Ctrl != nil:
		c.onCtrl(m.Ctrl)
	case m.Data != nil:
		c.onData(m.Data)
	case m.Meta != nil:
		c.onMeta(m.Meta)
	case m.Info != nil:
		c.onInfo(m.Info)
	}
}

func (c *Client) onCtrl(ctrl *proto.MsgServerCtrl) {
	c.mu.Lock()
	if ref, ok := c.pubs[ctrl.ID]; ok {
		delete(c.pubs, ctrl.ID)
		c.mu.Unlock()
		c.onPubAck(ref, ctrl)
		return
	}
	w := c.waiters[ctrl.ID]
	if w != nil && (w.done == nil || w.done(ctrl) || ctrl.Code >= 300) {
		delete(c.waiters, ctrl.ID)
		w.ch <- ctrl
	}
	c.mu.Unlock()
}

func (c *Client) newIDLocked() string {
	c.nextID++
	return strconv.FormatUint(c.nextID, 10)
}

// request sends the message build makes (with a fresh id) on connection gen
// and waits for the ctrl that completes it: the first one with the id, or
// the first for which done returns true.
func (c *Client) request(ctx context.Context, gen uint64, build func(id string) *proto.ClientMsg,
	done func(*proto.MsgServerCtrl) bool) (*proto.MsgServerCtrl, error) {
	c.mu.Lock()
	if c.gen != gen || gen == 0 {
		c.mu.Unlock()
		return nil, ErrDisconnected
	}
	id := c.newIDLocked()
	w := &waiter{ch: make(chan *proto.MsgServerCtrl, 1), done: done}
	c.waiters[id] = w
	c.mu.Unlock()
	frame, err := c.o.codec.encode(build(id))
	if err == nil {
		err = c.link.Write(gen, frame)
	}
	if err != nil {
		c.forget(id)
		return nil, ErrDisconnected
	}
	select {
	case ctrl, ok := <-w.ch:
		if !ok {
			return nil, ErrDisconnected
		}
		if ctrl.Code >= 300 {
			return ctrl, &CtrlError{Code: ctrl.Code, Text: ctrl.Text}
		}
		return ctrl, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	case <-c.quit:
		return nil, ErrClosed
	}
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.waiters, id)
	c.mu.Unlock()
}

// write sends a frame that expects no answer.
func (c *Client) write(gen uint64, m *proto.ClientMsg) error {
	frame, err := c.o.codec.encode(m)
	if err != nil {
		return err
	}
	return c.link.Write(gen, frame)
}

// live returns the current connection and whether a user is logged in on it.
func (c *Client) live() (gen uint64, ready bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.ready
}

func paramInt(p map[string]any, key string) int {
	f, _ := p[key].(float64)
	return int(f)
}

func paramString(p map[string]any, key string) string {
	s, _ := p[key].(string)
	return s
}

package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
)

// deadline bounds every wait in these tests; none of them sleeps.
const deadline = 10 * time.Second

// fixture is a WebSocket handler serving sessions that need no hub: they
// answer the network probe "1" with "0" and take frames through Send.
type fixture struct {
	h        *Handler
	url      string
	sessions chan *session.Session
}

func start(t *testing.T, pingEvery, idleTimeout time.Duration) *fixture {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &fixture{sessions: make(chan *session.Session, 256)}
	deps := &session.Deps{Log: log}
	cfg := &session.Config{OutboxBytes: 1 << 20, RatePerSecond: 1000, RateBurst: 1000}
	h := &Handler{
		NewSession: func(_ http.ResponseWriter, r *http.Request, kind string) *session.Session {
			s := session.New(deps, cfg, kind, r.RemoteAddr)
			f.sessions <- s
			return s
		},
		MaxFrame: 1 << 16, PingEvery: pingEvery, IdleTimeout: idleTimeout, Log: log,
	}
	f.h = h
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return f
}

// dial connects a client and returns it with its server-side session.
func (f *fixture) dial(t *testing.T, d *websocket.Dialer) (*websocket.Conn, *session.Session) {
	t.Helper()
	if d == nil {
		d = websocket.DefaultDialer
	}
	c, _, err := d.Dial(f.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	select {
	case s := <-f.sessions:
		return c, s
	case <-time.After(deadline):
		t.Fatal("no session")
		return nil, nil
	}
}

func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(deadline))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// heldConn collects writes until release, then sends them in one write.
type heldConn struct {
	net.Conn
	mu   sync.Mutex
	hold bool
	buf  bytes.Buffer
}

func (h *heldConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hold {
		return h.buf.Write(p)
	}
	return h.Conn.Write(p)
}

func (h *heldConn) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold = false
	_, err := h.Conn.Write(h.buf.Bytes())
	return err
}

// Frames that arrive in one TCP segment sit in the read buffer after the
// first is read; the reader must not wait on the socket for them.
func TestFramesArrivingTogetherAreAllHandled(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	var held *heldConn
	d := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		held = &heldConn{Conn: nc}
		return held, err
	}}
	c, _ := f.dial(t, d)
	held.mu.Lock()
	held.hold = true
	held.mu.Unlock()
	const n = 5
	for i := 0; i < n; i++ {
		if err := c.WriteMessage(websocket.TextMessage, []byte("1")); err != nil {
			t.Fatal(err)
		}
	}
	if err := held.release(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if got := read(t, c); got != "0" {
			t.Fatalf("reply %d = %q, want probe answer", i, got)
		}
	}
}

// An idle connection costs one parked goroutine (its reader): the writer
// runs only while there is something to send. The goroutines kept to handle
// frames (grownStacks) are a few per processor, not per connection.
func TestIdleConnectionsParkOneGoroutineEach(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	base := runtime.NumGoroutine()
	const n = 40
	for i := 0; i < n; i++ {
		c, _ := f.dial(t, nil)
		c.WriteMessage(websocket.TextMessage, []byte("1"))
		if got := read(t, c); got != "0" {
			t.Fatalf("got %q", got)
		}
	}
	// Writers exit after their last frame; poll until they have.
	limit := time.Now().Add(deadline)
	for runtime.NumGoroutine()-base-f.h.stacks.parked() > n+2 {
		if time.Now().After(limit) {
			t.Fatalf("%d goroutines (%d of them kept to handle frames) for %d idle connections, want about %d",
				runtime.NumGoroutine()-base, f.h.stacks.parked(), n, n)
		}
		runtime.Gosched()
	}
}

// Frames queued from many goroutines at once all reach the client, each
// producer's in order, whether they find a writer running or start one.
func TestConcurrentSendsArriveInOrder(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	c, s := f.dial(t, nil)
	const producers, each = 8, 300
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if !s.Send(hub.Frame{Bytes: []byte(fmt.Sprintf("%d %d", p, i))}) {
					t.Error("send refused")
					return
				}
			}
		}()
	}
	next := make([]int, producers)
	for range producers * each {
		var p, i int
		if _, err := fmt.Sscanf(read(t, c), "%d %d", &p, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[p] {
			t.Fatalf("producer %d: got %d, want %d", p, i, next[p])
		}
		next[p]++
	}
	wg.Wait()
}

// A close asked for by the session goes out after the frames queued before
// it, with the session's code.
func TestSessionCloseFollowsQueuedFrames(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	c, s := f.dial(t, nil)
	s.Send(hub.Frame{Bytes: []byte("last words")})
	s.Close(proto.DisconnectShutdown)
	if got := read(t, c); got != "last words" {
		t.Fatalf("got %q", got)
	}
	wantClose(t, c, proto.DisconnectShutdown.Code)
}

// Pings come from a timer that re-arms itself, not from a parked writer.
func TestServerKeepsPinging(t *testing.T) {
	f := start(t, 5*time.Millisecond, time.Hour)
	c, _ := f.dial(t, nil)
	pings := make(chan struct{}, 16)
	c.SetPingHandler(func(string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return nil
	})
	go c.ReadMessage() // control frames are handled while reading
	for i := 0; i < 3; i++ {
		select {
		case <-pings:
		case <-time.After(deadline):
			t.Fatalf("ping %d never came", i)
		}
	}
}

// A client that says nothing is closed with the idle code: the reader's
// wait on the socket honours the read deadline.
func TestSilentClientIsClosedAsIdle(t *testing.T) {
	f := start(t, time.Hour, 50*time.Millisecond)
	c, _ := f.dial(t, nil)
	wantClose(t, c, proto.DisconnectIdle.Code)
}

func wantClose(t *testing.T, c *websocket.Conn, code int) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(deadline))
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("read ended with %v, want close %d", err, code)
	}
}

// A batch written by frameWriter in one go reaches a standard client as
// separate messages, whatever the length encoding each one needs: 7-bit,
// 16-bit and 64-bit lengths and their boundaries.
func TestFrameWriterBatchIsReadAsSeparateMessages(t *testing.T) {
	conns := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		conns <- c
	}))
	defer srv.Close()
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-conns
	defer server.Close()

	sizes := []int{0, 1, 125, 126, 127, 300, 0xFFFF, 0x10000, 70_000}
	frames := make([][]byte, len(sizes))
	for i, n := range sizes {
		frames[i] = bytes.Repeat([]byte{byte('a' + i)}, n)
	}
	var fw frameWriter
	done := make(chan error, 1)
	go func() { done <- fw.write(server.UnderlyingConn(), frames) }()
	client.SetReadDeadline(time.Now().Add(deadline))
	for i, want := range frames {
		kind, got, err := client.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if kind != websocket.TextMessage || !bytes.Equal(got, want) {
			t.Fatalf("message %d: kind %d, %d bytes, want text of %d", i, kind, len(got), len(want))
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, b := range fw.bufs {
		if b != nil {
			t.Fatalf("buffer %d still referenced after the write", i)
		}
	}
}

// headerLen, which slices the headers apart, agrees with appendHeader.
func TestHeaderLenMatchesAppendHeader(t *testing.T) {
	for _, n := range []int{0, 125, 126, 0xFFFF, 0x10000, 1 << 40} {
		if got := len(appendHeader(nil, n)); got != headerLen(n) {
			t.Errorf("payload %d: header %d bytes, headerLen says %d", n, got, headerLen(n))
		}
	}
}

// A text frame that is not UTF-8 fails the connection with 1007 (RFC 6455
// §8.1) before the session sees it: stored, it would be pushed to every
// reader of the topic, and each one would have to drop its connection.
// Binary frames still reach the session, whose decoder answers bad text
// with 400.
func TestInvalidUTF8TextFrameClosesWith1007(t *testing.T) {
	f := start(t, time.Hour, time.Hour)
	c, _ := f.dial(t, nil)
	if err := c.WriteMessage(websocket.TextMessage, []byte("{\"hi\":{\"id\":\"1\",\"ua\":\"\xff\"}}")); err != nil {
		t.Fatal(err)
	}
	pad := []byte(`{"hi":{"id":"2","ua":"` + strings.Repeat("x", 30000) + `"}}`)
	for range 100 { // pipelined behind it; they must not reset the close away
		if c.WriteMessage(websocket.TextMessage, pad) != nil {
			break
		}
	}
	wantClose(t, c, proto.DisconnectInvalidText.Code)

	b, _ := f.dial(t, nil)
	if err := b.WriteMessage(websocket.BinaryMessage, []byte("{\"hi\":{\"id\":\"2\",\"ua\":\"\xff\"}}")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, b); !strings.Contains(got, `"code":400`) || !strings.Contains(got, `"id":"2"`) {
		t.Fatalf("binary frame with bad text answered %s, want ctrl 400 for id 2", got)
	}
}

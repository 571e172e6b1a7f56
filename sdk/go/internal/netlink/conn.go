// Package netlink is the SDK's network layer: a frame-oriented Conn, its
// WebSocket implementation, and Link, which keeps one Conn alive with
// exponential backoff and full jitter, watches for silence (heartbeat), and
// publishes connection states and received frames on one bus so the layers
// above see them in the order they happened.
package netlink

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Conn is one established connection carrying whole frames.
type Conn interface {
	// Read returns the next frame. It fails when the connection ends or
	// stays silent past its idle limit.
	Read() ([]byte, error)
	// Write sends one frame. Calls may come from several goroutines.
	Write(frame []byte) error
	// Close ends the connection; a blocked Read returns an error.
	Close() error
}

// Dialer opens a Conn to url.
type Dialer func(ctx context.Context, url string) (Conn, error)

// ErrClosed is returned for writes on a link that has no live connection.
var ErrClosed = errors.New("netlink: not connected")

// wsWriteTimeout bounds one frame write so a stuck socket cannot block the
// writer forever; the reader then notices the broken connection.
const wsWriteTimeout = 10 * time.Second

// WebSocket returns a Dialer for WebSocket endpoints. A connection on which
// nothing (no frame, no ping) arrives for idle is considered dead.
func WebSocket(idle time.Duration) Dialer {
	return func(ctx context.Context, url string) (Conn, error) {
		d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
		c, _, err := d.DialContext(ctx, url, http.Header{})
		if err != nil {
			return nil, err
		}
		return newWSConn(c, idle), nil
	}
}

type wsConn struct {
	c    *websocket.Conn
	idle time.Duration
	kind int // the frame type written: text, or binary for protobuf
	// wmu serialises writers: gorilla allows one concurrent writer.
	wmu sync.Mutex
}

func newWSConn(c *websocket.Conn, idle time.Duration) *wsConn {
	w := &wsConn{c: c, idle: idle, kind: websocket.TextMessage}
	// The server pings; a ping proves the link is alive, so it extends the
	// idle deadline as a frame does.
	c.SetPingHandler(func(data string) error {
		w.extend()
		err := c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(wsWriteTimeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	return w
}

func (w *wsConn) extend() {
	if w.idle > 0 {
		w.c.SetReadDeadline(time.Now().Add(w.idle))
	}
}

func (w *wsConn) Read() ([]byte, error) {
	for {
		w.extend()
		kind, b, err := w.c.ReadMessage()
		if err != nil {
			return nil, err
		}
		if kind == websocket.TextMessage || kind == websocket.BinaryMessage {
			return b, nil
		}
	}
}

func (w *wsConn) Write(frame []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.c.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	// Where permessage-deflate was negotiated (protobuf), the library
	// would deflate every message: a small one only grows, and costs the
	// server an inflate. Nothing under compressMin is worth it.
	w.c.EnableWriteCompression(len(frame) >= compressMin)
	return w.c.WriteMessage(w.kind, frame)
}

func (w *wsConn) Close() error { return w.c.Close() }

// Package ws adapts a WebSocket connection to a session: one JSON message
// per text frame in both directions. The transport owns the read loop and
// the writer; the session never sees the socket.
package ws

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/session"
)

// Handler upgrades HTTP requests to WebSocket sessions.
type Handler struct {
	// NewSession starts a session for a new connection, before the
	// upgrade; it returns nil when it refused the connection and answered
	// the request itself (too many connections from one address, say).
	NewSession func(w http.ResponseWriter, r *http.Request, kind string) *session.Session
	// CheckOrigin approves the Origin header of an upgrade request.
	CheckOrigin func(r *http.Request) bool
	// MaxFrame is the largest client frame accepted; a larger one closes
	// the connection with 1009.
	MaxFrame int64
	// PingEvery is how often the server pings; a client silent for
	// IdleTimeout is disconnected.
	PingEvery   time.Duration
	IdleTimeout time.Duration
	// WriteTimeout is how long one write may wait on a client that does
	// not read before the connection is dropped; zero means 10 s.
	WriteTimeout time.Duration
	Log          *slog.Logger
	// Transcoder converts queued frames for protobuf connections, once
	// per frame (protobuf.go); required.
	Transcoder *pbx.Transcoder

	// writeBufs is gorilla's write buffer pool. Data frames no longer go
	// through gorilla's writer (conn.write frames them itself), but without
	// a pool gorilla would give every connection a 4 KB write buffer of its
	// own at the upgrade; with one it borrows only to write a message.
	writeBufs sync.Pool
	// stacks keeps goroutines with grown stacks to handle the frames of
	// busy connections (stacks.go).
	stacks grownStacks
}

// readBufferSize is each connection's read buffer, held for its lifetime.
// Client frames are small (a pub is a few hundred bytes) and a larger frame
// is read straight into the message, so a big buffer buys nothing for the
// memory every idle connection would pin. It must stay above 256, or the
// upgrader would not adopt the reader handed to it by hijack.
const readBufferSize = 512

// defaultWriteTimeout is the WriteTimeout of a Handler that sets none.
const defaultWriteTimeout = 10 * time.Second

// writeTimeout is how long one write may block.
func (h *Handler) writeTimeout() time.Duration {
	if h.WriteTimeout > 0 {
		return h.WriteTimeout
	}
	return defaultWriteTimeout
}

// ServeHTTP upgrades the request, hands the connection to a goroutine of
// its own and returns: net/http then releases the request, its 4 KB read and
// write buffers and the deep stack of its serving goroutine, which an idle
// connection would otherwise pin for its whole life.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) || (h.CheckOrigin != nil && !h.CheckOrigin(r)) {
		h.upgrade(w, r) // the upgrader answers with the HTTP error
		return
	}
	sess := h.NewSession(w, r, session.KindWebSocket)
	if sess == nil {
		return
	}
	ws, br := h.upgrade(w, r)
	if ws == nil {
		sess.End() // gives back what admitting it took
		return
	}
	newConn(h, ws, br, sess, h.protobufCodec(r)).start()
}

// upgrade takes the connection over, or answers with an HTTP error and
// returns nil.
func (h *Handler) upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, *bufio.Reader) {
	hj := &hijacker{ResponseWriter: w}
	up := websocket.Upgrader{WriteBufferPool: &h.writeBufs, CheckOrigin: h.CheckOrigin}
	if wantsProtobuf(r) {
		// The subprotocol is echoed when asked for; permessage-deflate is
		// negotiated for protobuf only: JSON stays exactly as it was.
		up.Subprotocols, up.EnableCompression = []string{Subprotocol}, true
	}
	ws, err := up.Upgrade(hj, r, nil)
	if err != nil {
		return nil, nil
	}
	return ws, hj.br
}

// hijacker hands the upgrader a small read buffer of our own in place of the
// server's 4 KB one. With ReadBufferSize zero the upgrader reads through the
// buffer that hijack returns, so the connection can tell whether a frame is
// already buffered before it waits on the socket (see conn.waitReadable).
type hijacker struct {
	http.ResponseWriter
	br *bufio.Reader
}

// Hijack takes the connection over from net/http.
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		return nc, brw, err // the upgrader refuses a client that sent data early
	}
	h.br = bufio.NewReaderSize(nc, readBufferSize)
	brw.Reader = h.br
	return nc, brw, nil
}

// lingerTimeout bounds how long lingerClose reads what a client still sends.
const lingerTimeout = 2 * time.Second

// lingerClose lets a client read the close frame sent for a frame the
// server refused: 1009 (the library's) for an oversized frame, 1007 for a
// text frame that is not UTF-8. Closing with the rest of that frame, or the
// frames pipelined behind it, unread would reset
// the connection, which can destroy the close frame on its way and fails the
// client's write; so stop writing, and read and drop what still comes.
func lingerClose(conn *websocket.Conn) {
	nc := conn.UnderlyingConn()
	if hc, ok := nc.(interface{ CloseWrite() error }); ok {
		hc.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, nc)
}

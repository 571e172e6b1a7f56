// Package ws adapts a WebSocket connection to a session: one JSON message
// per text frame in both directions. The transport owns the read loop and
// the writer; the session never sees the socket.
package ws

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
)

// Handler upgrades HTTP requests to WebSocket sessions.
type Handler struct {
	// NewSession starts a session for a new connection.
	NewSession func(kind, remote string) *session.Session
	// CheckOrigin approves the Origin header of an upgrade request.
	CheckOrigin func(r *http.Request) bool
	// MaxFrame is the largest client frame accepted; a larger one closes
	// the connection with 1009.
	MaxFrame int64
	// PingEvery is how often the server pings; a client silent for
	// IdleTimeout is disconnected.
	PingEvery   time.Duration
	IdleTimeout time.Duration
	Log         *slog.Logger
}

const writeTimeout = 10 * time.Second

// ServeHTTP upgrades the request and runs the connection until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024, CheckOrigin: h.CheckOrigin}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	sess := h.NewSession(session.KindWebSocket, r.RemoteAddr)
	done := make(chan struct{})
	go h.writeLoop(conn, sess, done)
	err = h.readLoop(conn, sess)
	close(done)
	// A client that went quiet is told why before the socket closes.
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		bye := proto.DisconnectIdle
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(bye.Code, bye.Reason),
			time.Now().Add(writeTimeout))
	}
	sess.End()
	if errors.Is(err, websocket.ErrReadLimit) {
		lingerClose(conn)
	}
	conn.Close()
}

// lingerTimeout bounds how long lingerClose reads what a client still sends.
const lingerTimeout = 2 * time.Second

// lingerClose lets a client read the 1009 close frame the library sent for
// an oversized frame. Closing with the rest of that frame unread would reset
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

// readLoop hands frames to the session until the connection fails, and
// returns why.
func (h *Handler) readLoop(conn *websocket.Conn, sess *session.Session) error {
	conn.SetReadLimit(h.MaxFrame)
	extend := func() { conn.SetReadDeadline(time.Now().Add(h.IdleTimeout)) }
	extend()
	conn.SetPongHandler(func(string) error { extend(); return nil })
	for {
		kind, frame, err := conn.ReadMessage()
		if err != nil {
			if !errors.Is(err, websocket.ErrReadLimit) && !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				h.Log.Debug("ws read ended", "session", sess.SessionID(), "err", err)
			}
			return err
		}
		extend()
		if kind == websocket.TextMessage || kind == websocket.BinaryMessage {
			sess.Receive(frame)
		}
	}
}

// writeLoop drains the session's outbox to the socket, pings, and writes
// the close frame when the session ends the connection.
func (h *Handler) writeLoop(conn *websocket.Conn, sess *session.Session, done <-chan struct{}) {
	ping := time.NewTicker(h.PingEvery)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)) != nil {
				conn.Close()
				return
			}
		case <-sess.Ready():
			frames, bye := sess.Drain(0)
			for _, f := range frames {
				conn.SetWriteDeadline(time.Now().Add(writeTimeout))
				if conn.WriteMessage(websocket.TextMessage, f) != nil {
					conn.Close()
					return
				}
			}
			if bye != nil {
				msg := websocket.FormatCloseMessage(bye.Code, bye.Reason)
				conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeTimeout))
				conn.Close()
				return
			}
		}
	}
}

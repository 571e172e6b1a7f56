package ws

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
)

// conn is one WebSocket connection and its session. Reading has one
// goroutine at a time for the life of the connection (see wait); writing has one only while the session has
// something to send, and pings come from a timer. So an idle connection parks
// one goroutine, not two, and holds no write buffer.
type conn struct {
	// Static after construction.
	h    *Handler
	ws   *websocket.Conn
	sess *session.Session
	br   *bufio.Reader   // the buffer ws reads through
	nc   net.Conn        // the socket itself, under any wrapper (see netConn)
	raw  syscall.RawConn // the socket, to wait for bytes; nil if unavailable
	pb   *pbCodec        // nil: Tinode JSON, one message per text frame
	// readable is c.readableOnce, made once: RawConn.Read takes a func,
	// and a method value made per wait would be an allocation per frame.
	readable func(fd uintptr) bool

	// waited is set by readableOnce once it has asked the socket during
	// the current waitReadable; only the reading goroutine uses it.
	waited bool

	// writeBy is the write deadline the frame writer last set. Only the
	// writer reads and sets it; writers follow one another under mu.
	writeBy time.Time

	mu      sync.Mutex // guards the fields below
	writing bool       // a flush goroutine is running
	done    bool       // the read loop has ended: no more writers or pings
	ping    *time.Timer
}

func newConn(h *Handler, ws *websocket.Conn, br *bufio.Reader, sess *session.Session, pb *pbCodec) *conn {
	c := &conn{h: h, ws: ws, sess: sess, br: br, nc: netConn(ws.UnderlyingConn()), pb: pb}
	if sc, ok := c.nc.(syscall.Conn); ok && br != nil {
		c.raw, _ = sc.SyscallConn()
	}
	c.readable = c.readableOnce
	h.stacks.init()
	return c
}

// netConn unwraps a connection that a listener wrapped only to watch it
// (the server's per-address cap wraps each one) down to the socket. Writes
// must go to the socket itself: net.Buffers uses writev only on a
// *net.TCPConn, and through a wrapper every frame would cost a system call
// of its own. Such wrappers say so with Socket; a wrapper that changes the
// bytes (TLS, whose NetConn is the raw connection) does not, and is written
// through. Closing still goes through the wrapper (ws.Close).
func netConn(nc net.Conn) net.Conn {
	for {
		u, ok := nc.(interface{ Socket() net.Conn })
		if !ok {
			return nc
		}
		nc = u.Socket()
	}
}

// start begins serving the connection: pings on a timer, writes on demand,
// reads on a goroutine of their own.
func (c *conn) start() {
	c.sess.OnReady(c.wake)
	c.ws.SetReadLimit(c.h.MaxFrame)
	c.extend()
	c.ws.SetPongHandler(func(string) error { c.extend(); return nil })
	c.mu.Lock()
	c.ping = time.AfterFunc(c.h.PingEvery, c.sendPing)
	c.mu.Unlock()
	go c.wait()
}

// extend pushes the idle deadline back: the client said something.
func (c *conn) extend() { c.ws.SetReadDeadline(time.Now().Add(c.h.IdleTimeout)) }

// wait is how every reader goroutine of the connection begins: fresh, on a
// stack sized for waiting, it waits until the socket is readable. A stack
// grows while a frame is decoded and handled (JSON decoding, login,
// routing) to 8–16 KB and shrinks only slowly, at garbage collections, so
// the goroutine that waits must not be one that handled frames: an idle
// connection would pin that stack for as long as the client stays quiet.
// Once the socket is readable, a goroutine whose stack earlier frames grew
// takes over (grownStacks), so a busy connection does not grow a fresh
// stack for every frame; when none is free this one handles the frames and
// becomes one.
func (c *conn) wait() {
	c.waitReadable()
	if c.raw != nil && peeks && c.h.stacks.handOff(c) {
		return
	}
	c.burst()
	if peeks { // else no connection is ever handed off: nothing to keep it for
		c.h.stacks.park()
	}
}

// burst reads frames and hands them to the session, one at a time and in
// order, while the next frame is already buffered; then it starts a fresh
// goroutine to wait for the next one. Until it does, no other goroutine
// reads the connection.
func (c *conn) burst() {
	for {
		kind, frame, err := c.readMessage()
		if err != nil {
			c.end(err)
			return
		}
		c.extend()
		if kind == websocket.TextMessage && !utf8.Valid(frame) {
			c.end(errInvalidText)
			return
		}
		switch {
		case c.pb != nil:
			c.pb.receive(c.sess, kind, frame)
		case kind == websocket.TextMessage || kind == websocket.BinaryMessage:
			c.sess.Receive(frame)
		}
		if c.br == nil || c.br.Buffered() == 0 {
			break
		}
	}
	go c.wait()
}

// waitReadable returns when the socket has bytes or the connection failed
// (the read that follows reports why). Waiting here rather than inside the
// WebSocket library parks the goroutine about a dozen frames shallower,
// which keeps the runtime's starting stack for new goroutines at its 2 KB
// minimum when most goroutines are idle readers. Bytes already in the read
// buffer must not wait for the socket.
func (c *conn) waitReadable() {
	if c.raw == nil || c.br.Buffered() > 0 {
		return
	}
	c.waited = false
	c.raw.Read(c.readable)
}

// readableOnce is the test RawConn.Read makes before waiting for the poller
// and again after each wake-up. Before, it must ask the socket: bytes may
// have come before the wait began, and the poller reports only new ones.
// After a wake-up it does not ask again — the poller saw bytes, an EOF or
// an error, and the read that follows finds out which — which saves a
// MSG_PEEK system call on every frame read after a wait, that is on nearly
// every receipt.
func (c *conn) readableOnce(fd uintptr) bool {
	if c.waited {
		return true
	}
	c.waited = true
	return readable(fd)
}

// errInvalidText ends the read loop on a text frame that is not UTF-8: the
// session never sees it (it would be stored and poison every reader), and
// the client is told why with close code 1007. A binary frame is handed to
// the session, whose decoder answers bad text with 400.
var errInvalidText = errors.New("text frame is not UTF-8")

// end stops writers and pings, tells the client why when it went quiet or
// sent a text frame that is not UTF-8, ends the session and closes the
// socket.
func (c *conn) end(err error) {
	if !errors.Is(err, websocket.ErrReadLimit) && !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
		c.h.Log.Debug("ws read ended", "session", c.sess.SessionID(), "err", err)
	}
	c.mu.Lock()
	c.done = true
	c.ping.Stop()
	c.mu.Unlock()
	var nerr net.Error
	var bye *proto.Disconnect
	switch {
	case errors.As(err, &nerr) && nerr.Timeout():
		bye = &proto.DisconnectIdle
	case errors.Is(err, errInvalidText):
		bye = &proto.DisconnectInvalidText
	}
	if bye != nil {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(bye.Code, bye.Reason),
			time.Now().Add(c.h.writeTimeout()))
	}
	c.sess.End()
	if errors.Is(err, websocket.ErrReadLimit) || errors.Is(err, errInvalidText) {
		lingerClose(c.ws) // frames the client sent after it must not reset the close away
	}
	c.ws.Close()
}

// wake starts a writer unless one is running. The session calls it from
// whichever goroutine queued a frame or a close, so it must not block.
func (c *conn) wake() {
	c.mu.Lock()
	start := !c.writing && !c.done
	if start {
		c.writing = true
	}
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

// flush writes what the session has queued until nothing is left, then
// exits. It is the connection's only data writer (gorilla allows one).
func (c *conn) flush() {
	var fw frameWriter // lives as long as this burst of writing
	for c.more() {
		frames, bye := c.sess.Drain(0)
		if c.pb != nil {
			if !c.writeProtobuf(frames, bye) {
				return
			}
			continue
		}
		if !c.write(&fw, frames, bye) {
			return
		}
	}
}

// more reports whether the session signalled something to write; if not,
// the caller stops being the writer. Checking and giving up under mu, which
// wake also takes, means a frame queued at any moment either is seen here
// or starts a new writer.
func (c *conn) more() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		select {
		case <-c.sess.Ready():
			return true
		default:
		}
	}
	c.writing = false
	return false
}

// write sends frames, all in one vectored write, then the close frame if
// the session ends the connection. It reports whether the connection is
// still open.
func (c *conn) write(fw *frameWriter, frames [][]byte, bye *proto.Disconnect) bool {
	if len(frames) > 0 {
		c.extendWrite(time.Now())
		if fw.write(c.nc, frames) != nil {
			c.closeSocket()
			return false
		}
		c.sess.Written()
	}
	if bye != nil {
		msg := websocket.FormatCloseMessage(bye.Code, bye.Reason)
		c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.h.writeTimeout()))
		c.closeSocket()
		return false
	}
	return true
}

// extendWrite gives the next write at least 7/8 of the write timeout. The
// deadline is set again only when less than that is left: setting it
// re-arms a runtime timer under the socket's lock, and at one small write
// per delivery (fan-out at a low rate) that was ~3% of the server's CPU.
// Pings and the close frame set later deadlines of their own, never
// earlier ones, so what is left is never less than writeBy says.
func (c *conn) extendWrite(now time.Time) {
	if by, ok := writeDeadline(now, c.writeBy, c.h.writeTimeout()); ok {
		c.nc.SetWriteDeadline(by)
		c.writeBy = by
	}
}

// writeDeadline returns the deadline to set before a write at now, and
// false when the one set (set) leaves at least 7/8 of timeout.
func writeDeadline(now, set time.Time, timeout time.Duration) (time.Time, bool) {
	if set.Sub(now) >= timeout-timeout/8 {
		return time.Time{}, false
	}
	return now.Add(timeout), true
}

// sendPing pings the client and schedules the next ping.
func (c *conn) sendPing() {
	if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.h.writeTimeout())) != nil {
		c.closeSocket()
		return
	}
	c.mu.Lock()
	if !c.done {
		c.ping.Reset(c.h.PingEvery)
	}
	c.mu.Unlock()
}

// closeSocket closes the connection from the writing side (after a failed
// write or a close frame), so the read loop ends too. Once the read loop has
// ended the socket is its to close: lingerClose may still be reading the
// client's last bytes.
func (c *conn) closeSocket() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		c.ws.Close()
	}
}

// frameWriter sends a batch of text messages in one vectored write: each
// message's frame header and its bytes, unmasked and unfragmented, as
// RFC 6455 requires of a server. gorilla writes each message with a write
// system call of its own, and under load one write per frame was the largest
// single cost of the server (27–31% of its CPU in a profile of bench pairs);
// a session's outbox usually holds several frames by the time its writer
// runs (a group commit acknowledges a sender's whole window at once), so one
// writev sends them all. The payload is not copied.
//
// Only the connection's writer uses it. gorilla still writes control frames
// (pings, close) from other goroutines; the socket takes each write call
// whole under its own lock, so frames never interleave inside one another.
type frameWriter struct {
	headers []byte      // every frame's header, back to back
	bufs    net.Buffers // header, payload, header, payload…
}

// maxHeader is the longest server frame header: 2 bytes and a 64-bit length.
const maxHeader = 10

// opText with the FIN bit: a whole text message in one frame.
const finText = 0x81

// appendHeader appends the header of an unmasked final text frame carrying n
// bytes of payload.
func appendHeader(b []byte, n int) []byte {
	switch {
	case n <= 125:
		return append(b, finText, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(b, finText, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, finText, 127), uint64(n))
	}
}

// write sends frames to nc in as few system calls as the socket allows and
// releases its references to them, so the batch can be collected.
func (w *frameWriter) write(nc net.Conn, frames [][]byte) error {
	w.headers = w.headers[:0]
	for _, f := range frames {
		w.headers = appendHeader(w.headers, len(f))
	}
	w.bufs = w.bufs[:0]
	h := w.headers
	for _, f := range frames {
		n := headerLen(len(f))
		w.bufs = append(w.bufs, h[:n:n], f)
		h = h[n:]
	}
	bufs := w.bufs // WriteTo consumes its receiver; keep w.bufs' backing array
	_, err := bufs.WriteTo(nc)
	clear(w.bufs)
	return err
}

// headerLen is the length appendHeader gives a frame of n payload bytes.
func headerLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	default:
		return maxHeader
	}
}

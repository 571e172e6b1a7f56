package ws

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
)

// Subprotocol is the WebSocket subprotocol that selects protobuf: binary
// frames, each carrying one or more uvarint-length-delimited pbx messages
// (internal/pbx). The query parameter format=protobuf selects it too, for
// clients that cannot set subprotocols. Without either, the connection
// speaks Tinode JSON exactly as before.
const Subprotocol = "parley-protobuf"

// Bounds of the protobuf framing.
const (
	// maxBatch is the most client messages one frame may carry: each costs
	// a rate-limit token anyway, and a frame of empty messages must not
	// turn into thousands of error replies.
	maxBatch = 256
	// compressMin is the smallest frame worth compressing. A frame of one
	// message (~200 bytes) shrinks by nothing and costs ~12 µs of
	// compressor set-up; a history page or catch-up burst shrinks 4–6×.
	compressMin = 1024
)

// wantsProtobuf reports whether the upgrade request asks for protobuf.
func wantsProtobuf(r *http.Request) bool {
	return slices.Contains(websocket.Subprotocols(r), Subprotocol) || r.URL.Query().Get("format") == "protobuf"
}

// pbCodec is the protobuf side of one connection; a nil *pbCodec marks a
// JSON connection.
type pbCodec struct {
	frames *pbx.Transcoder // shared by every connection of the server
	log    *slog.Logger
}

func (h *Handler) protobufCodec(r *http.Request) *pbCodec {
	if !wantsProtobuf(r) {
		return nil
	}
	return &pbCodec{frames: h.Transcoder, log: h.Log}
}

// receive hands each message of a client frame to the session, in order.
// A text frame, or a frame that is not a valid batch, is answered once with
// 400 and nothing of it is handled. An empty binary frame is the network
// probe (JSON's "1"), answered with an empty binary frame: a browser cannot
// send WebSocket pings, so this is how its client notices a dead connection.
func (p *pbCodec) receive(sess *session.Session, kind int, frame []byte) {
	if kind != websocket.BinaryMessage {
		sess.ReceiveDecoded(nil, proto.ErrMalformed, len(frame))
		return
	}
	if len(frame) == 0 {
		sess.Receive(jsonProbe)
		return
	}
	msgs, err := pbx.SplitBatch(frame, maxBatch)
	if err != nil {
		sess.ReceiveDecoded(nil, err, len(frame))
		return
	}
	for _, b := range msgs {
		m, err := pbx.DecodeClient(b)
		sess.ReceiveDecoded(m, err, len(b))
	}
}

// jsonProbe and jsonProbeAck are the session's network probe and its
// answer; on a protobuf connection both travel as an empty binary frame.
var jsonProbe, jsonProbeAck = []byte("1"), "0"

// encode turns what the session queued (JSON, as every transport is given
// it) into one batch payload, converting each frame once for all the
// connections it was queued to (pbx.Transcoder). The probe answer is not a
// server message: it is reported in probed instead.
func (p *pbCodec) encode(frames [][]byte) (batch []byte, probed bool) {
	for _, f := range frames {
		_, b, ok := p.frames.Server(f)
		switch {
		case ok:
			batch = pbx.AppendDelimited(batch, b)
		case string(f) == jsonProbeAck:
			probed = true
		default: // anything else is a bug
			p.log.Error("ws: a queued frame does not convert to protobuf", "bytes", len(f))
		}
	}
	return batch, probed
}

// writeProtobuf sends frames as one binary frame, compressed when it is
// large enough and the client negotiated permessage-deflate, then the close
// frame if the session ends. A probe answer alone is an empty binary frame;
// with messages, the frame of messages answers it. It reports whether the
// connection is open.
func (c *conn) writeProtobuf(frames [][]byte, bye *proto.Disconnect) bool {
	if batch, probed := c.pb.encode(frames); len(batch) > 0 || probed {
		c.ws.SetWriteDeadline(time.Now().Add(c.h.writeTimeout()))
		c.ws.EnableWriteCompression(len(batch) >= compressMin)
		if c.ws.WriteMessage(websocket.BinaryMessage, batch) != nil {
			c.closeSocket()
			return false
		}
		c.sess.Written()
	}
	return c.write(nil, nil, bye)
}

// readMessage reads the next client message. A protobuf connection
// negotiates permessage-deflate, and the library bounds a compressed
// message by its compressed size only: here the inflated size is bounded
// by the same limit, so a small frame cannot inflate into gigabytes.
func (c *conn) readMessage() (int, []byte, error) {
	if c.pb == nil {
		return c.ws.ReadMessage()
	}
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return kind, nil, err
	}
	frame, err := io.ReadAll(io.LimitReader(r, c.h.MaxFrame+1))
	if err != nil {
		return kind, nil, err
	}
	if int64(len(frame)) > c.h.MaxFrame {
		c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""), time.Now().Add(c.h.writeTimeout()))
		return kind, nil, websocket.ErrReadLimit
	}
	return kind, frame, nil
}

package netlink

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// ProtobufSubprotocol is the WebSocket subprotocol of Parley's protobuf
// frames.
const ProtobufSubprotocol = "parley-protobuf"

// compressMin is the smallest frame worth compressing (the server's rule).
const compressMin = 1024

// WebSocketProtobuf returns a Dialer for the protobuf subprotocol: frames
// are binary, and permessage-deflate is offered (the server compresses
// large batches only). It fails on a server that does not agree to the
// subprotocol rather than talk protobuf to a JSON server.
func WebSocketProtobuf(idle time.Duration) Dialer {
	return func(ctx context.Context, url string) (Conn, error) {
		d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, EnableCompression: true,
			Subprotocols: []string{ProtobufSubprotocol}}
		c, _, err := d.DialContext(ctx, url, http.Header{})
		if err != nil {
			return nil, err
		}
		if c.Subprotocol() != ProtobufSubprotocol {
			c.Close()
			return nil, fmt.Errorf("netlink: %s does not speak %s", url, ProtobufSubprotocol)
		}
		w := newWSConn(c, idle)
		w.kind = websocket.BinaryMessage
		return w, nil
	}
}

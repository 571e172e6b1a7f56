package chaos

import (
	"encoding/json"
	"fmt"

	"github.com/gorilla/websocket"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/proto"
)

// The clients build and read Tinode JSON; a protobuf client converts each
// frame at its edge with the project's codecs, the same way the Go SDK's
// WithProtobuf does, so both codecs run the same client logic.

// jsonToProtobuf turns one JSON client frame into a binary frame holding
// its ClientMsg.
func jsonToProtobuf(frame []byte) ([]byte, error) {
	m, err := proto.DecodeClient(frame)
	if err != nil {
		return nil, fmt.Errorf("client frame %s: %w", frame, err)
	}
	b, err := pbx.EncodeClient(m)
	if err != nil {
		return nil, fmt.Errorf("client frame %s to protobuf: %w", frame, err)
	}
	return pbx.AppendDelimited(nil, b), nil
}

// protobufToJSON turns one binary server frame into the JSON of each
// message it carries, in order.
func protobufToJSON(kind int, frame []byte) ([][]byte, error) {
	if kind != websocket.BinaryMessage {
		return nil, fmt.Errorf("a %d frame on a protobuf connection: %q", kind, frame)
	}
	parts, err := pbx.SplitBatch(frame, 0)
	if err != nil {
		return nil, fmt.Errorf("server frame is not a protobuf batch: %w", err)
	}
	out := make([][]byte, 0, len(parts))
	for _, p := range parts {
		m, err := pbx.DecodeServer(p)
		if err != nil {
			return nil, fmt.Errorf("server message: %w", err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

package parley

import (
	"encoding/json"

	"github.com/parley-im/parley/internal/pbx"
	"github.com/parley-im/parley/internal/proto"
)

// codec is how the client's messages become frames and frames become
// server messages: Tinode JSON (one message per text frame) or Parley's
// protobuf (WithProtobuf). The rest of the client sees only the model.
type codec interface {
	encode(m *proto.ClientMsg) ([]byte, error)
	// decode calls each for every server message in frame, in order, and
	// skips what it cannot read.
	decode(frame []byte, each func(*proto.ServerMsg))
}

type jsonCodec struct{}

func (jsonCodec) encode(m *proto.ClientMsg) ([]byte, error) { return proto.EncodeClient(m) }

func (jsonCodec) decode(frame []byte, each func(*proto.ServerMsg)) {
	var m proto.ServerMsg
	if json.Unmarshal(frame, &m) == nil {
		each(&m)
	}
}

// protobufCodec sends one message per frame (a frame may carry several, but
// the client's writes are independent) and reads batches.
type protobufCodec struct{}

func (protobufCodec) encode(m *proto.ClientMsg) ([]byte, error) {
	b, err := pbx.EncodeClient(m)
	if err != nil {
		return nil, err
	}
	return pbx.AppendDelimited(make([]byte, 0, len(b)+3), b), nil
}

func (protobufCodec) decode(frame []byte, each func(*proto.ServerMsg)) {
	msgs, err := pbx.SplitBatch(frame, 0)
	if err != nil {
		return
	}
	for _, b := range msgs {
		if m, err := pbx.DecodeServer(b); err == nil {
			each(m)
		}
	}
}

package pbx

import (
	"encoding/binary"
	"fmt"

	"github.com/parley-im/parley/internal/proto"
)

// A batch is one WebSocket binary frame carrying one or more protobuf
// messages, each prefixed with its length as a uvarint (the same framing as
// protobuf's delimited streams and Centrifuge's protobuf WebSocket).

// ErrBatch is a frame that is not a sequence of length-prefixed messages
// within the limits. It is a kind of proto.ErrMalformed.
var ErrBatch = fmt.Errorf("%w: bad protobuf batch", proto.ErrMalformed)

// AppendDelimited appends msg with its uvarint length prefix to b.
func AppendDelimited(b, msg []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(msg)))
	return append(b, msg...)
}

// SplitBatch cuts a frame into its messages without copying them. It
// refuses an empty frame, a length that runs past the end, and more than
// maxMsgs messages (maxMsgs ≤ 0: no limit), so one frame costs at most
// maxMsgs messages' work. A zero-length message is allowed: it decodes as an
// empty ClientMsg, which the decoder then refuses on its own.
func SplitBatch(frame []byte, maxMsgs int) ([][]byte, error) {
	if len(frame) == 0 {
		return nil, ErrBatch
	}
	var out [][]byte
	for len(frame) > 0 {
		if maxMsgs > 0 && len(out) == maxMsgs {
			return nil, fmt.Errorf("%w: more than %d messages", ErrBatch, maxMsgs)
		}
		n, k := binary.Uvarint(frame)
		if k <= 0 || n > uint64(len(frame)-k) {
			return nil, ErrBatch
		}
		end := k + int(n)
		out = append(out, frame[k:end:end])
		frame = frame[end:]
	}
	return out, nil
}

package pbx

import (
	"encoding/json"
	"sync"
	"unsafe"

	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/proto"
)

// transcodeSlots is how many recent frames a Transcoder remembers.
const transcodeSlots = 1024

// Transcoder converts the JSON frames sessions queue into protobuf, each
// frame once. Sessions are handed JSON whatever their transport (a topic
// encodes each message once for all its sessions), and converting JSON back
// into the model is the dear part (~10 µs a frame against ~1 µs to encode
// protobuf): a message fanned out to many protobuf sessions is the same
// slice of bytes for all of them, so it is converted for the first and
// looked up by the others. Entries are keyed by the slice itself and keep
// it alive, so a key cannot be reused by other bytes while it is cached.
type Transcoder struct {
	mu    sync.Mutex
	index map[frameKey]int
	ring  []transcoded
	next  int
}

type frameKey struct {
	p *byte
	n int
}

type transcoded struct {
	key   frameKey
	frame []byte // keeps the key's memory alive
	msg   *ServerMsg
	bytes []byte
}

// NewTranscoder returns an empty transcoder.
func NewTranscoder() *Transcoder {
	return &Transcoder{index: make(map[frameKey]int, transcodeSlots), ring: make([]transcoded, transcodeSlots)}
}

// Server returns the protobuf message and its encoding for a JSON server
// frame; ok is false for what is not a server message (the probe answer).
// The results are shared: callers must not modify them.
func (t *Transcoder) Server(frame []byte) (msg *ServerMsg, b []byte, ok bool) {
	if len(frame) == 0 {
		return nil, nil, false
	}
	k := frameKey{unsafe.SliceData(frame), len(frame)}
	t.mu.Lock()
	if i, hit := t.index[k]; hit {
		e := t.ring[i]
		t.mu.Unlock()
		return e.msg, e.bytes, true
	}
	t.mu.Unlock()
	w, ok := fromJSON(frame)
	if !ok {
		return nil, nil, false
	}
	var err error
	if b, err = gproto.Marshal(w); err != nil {
		return nil, nil, false
	}
	t.mu.Lock()
	old := t.ring[t.next]
	if old.frame != nil {
		delete(t.index, old.key)
	}
	t.ring[t.next] = transcoded{key: k, frame: frame, msg: w, bytes: b}
	t.index[k] = t.next
	t.next = (t.next + 1) % len(t.ring)
	t.mu.Unlock()
	return w, b, true
}

// fromJSON converts a JSON server frame, through the fast path when it can.
func fromJSON(frame []byte) (*ServerMsg, bool) {
	if w, ok := fastServer(frame); ok {
		return w, true
	}
	var m proto.ServerMsg
	if json.Unmarshal(frame, &m) != nil {
		return nil, false
	}
	w, err := ServerToWire(&m)
	return w, err == nil
}

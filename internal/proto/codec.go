package proto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMalformed is returned for frames that are not one valid client message.
var ErrMalformed = errors.New("malformed message")

// ErrInvalidText is returned for a frame that is one client message but not
// valid text (ValidText): it is a kind of ErrMalformed. DecodeClient returns
// the message with it, so the answer can name the request's id and topic.
var ErrInvalidText = fmt.Errorf("%w: invalid UTF-8", ErrMalformed)

// DecodeClient parses one JSON client frame. It fails on invalid JSON, on a
// frame with no known message, and on one with more than one message.
// Unknown fields are ignored, as Tinode clients expect. A frame holding bytes
// that are not UTF-8, or an escaped lone surrogate, fails with ErrInvalidText:
// stored and sent on, it would be unreadable to every other client.
func DecodeClient(frame []byte) (*ClientMsg, error) {
	var m ClientMsg
	if err := json.Unmarshal(frame, &m); err != nil {
		return nil, ErrMalformed
	}
	if m.count() != 1 {
		return nil, ErrMalformed
	}
	if !ValidText(frame) {
		return &m, ErrInvalidText
	}
	return &m, nil
}

func (m *ClientMsg) count() int {
	n := 0
	for _, set := range []bool{m.Hi != nil, m.Acc != nil, m.Login != nil, m.Sub != nil,
		m.Leave != nil, m.Pub != nil, m.Get != nil, m.Set != nil, m.Del != nil,
		m.Note != nil, m.Action != nil, m.DataRes != nil} {
		if set {
			n++
		}
	}
	return n
}

// ID returns the request id of the message, or "" for notes and unknowns.
func (m *ClientMsg) ID() string {
	switch {
	case m.Hi != nil:
		return m.Hi.ID
	case m.Acc != nil:
		return m.Acc.ID
	case m.Login != nil:
		return m.Login.ID
	case m.Sub != nil:
		return m.Sub.ID
	case m.Leave != nil:
		return m.Leave.ID
	case m.Pub != nil:
		return m.Pub.ID
	case m.Get != nil:
		return m.Get.ID
	case m.Set != nil:
		return m.Set.ID
	case m.Del != nil:
		return m.Del.ID
	case m.Action != nil:
		return m.Action.ID
	case m.DataRes != nil:
		return m.DataRes.ID
	}
	return ""
}

// Topic returns the topic the message names, if any.
func (m *ClientMsg) Topic() string {
	switch {
	case m.Sub != nil:
		return m.Sub.Topic
	case m.Leave != nil:
		return m.Leave.Topic
	case m.Pub != nil:
		return m.Pub.Topic
	case m.Get != nil:
		return m.Get.Topic
	case m.Set != nil:
		return m.Set.Topic
	case m.Del != nil:
		return m.Del.Topic
	case m.Note != nil:
		return m.Note.Topic
	case m.Action != nil:
		return m.Action.Topic
	}
	return ""
}

// Encode writes the message as one JSON frame, without a trailing newline.
// The frame is always valid UTF-8 (repairText), whatever the store holds.
func Encode(m *ServerMsg) ([]byte, error) {
	if b, ok := appendFast(make([]byte, 0, fastSize(m)), m); ok {
		return repairText(b), nil
	}
	b, err := encodeJSON(m)
	if err != nil {
		return nil, err
	}
	return repairText(b), nil
}

// encodeJSON is Encode through encoding/json, for every message.
func encodeJSON(m *ServerMsg) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil
}

// EncodeClient writes a client message as one JSON frame (used by clients and
// tests).
func EncodeClient(m *ClientMsg) ([]byte, error) { return json.Marshal(m) }

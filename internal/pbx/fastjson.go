package pbx

import (
	"bytes"
	"strconv"

	"github.com/parley-im/parley/internal/proto"
)

// The two frames of every message, ctrl and data, are converted from JSON
// here without encoding/json, which took ~10 µs a frame (a profile of bench
// pairs over protobuf). Only frames exactly as proto's fast encoder writes
// them are taken (fields in its order; strings without escapes; params and
// head values that are strings, integers or booleans; data content last);
// anything else returns ok=false and goes through encoding/json, so the
// result never depends on which path read the frame
// (TestFastTranscodeMatches).

// cursor reads a frame left to right.
type cursor struct {
	b  []byte
	ok bool
}

func (c *cursor) lit(s string) bool {
	if c.ok && bytes.HasPrefix(c.b, []byte(s)) {
		c.b = c.b[len(s):]
		return true
	}
	return false
}

// str reads a string without escapes and returns its contents.
func (c *cursor) str() string {
	if !c.ok || len(c.b) == 0 || c.b[0] != '"' {
		c.ok = false
		return ""
	}
	for i := 1; i < len(c.b); i++ {
		switch c.b[i] {
		case '\\':
			c.ok = false
			return ""
		case '"':
			s := string(c.b[1:i])
			c.b = c.b[i+1:]
			return s
		}
	}
	c.ok = false
	return ""
}

// rawScalar reads a string without escapes, an integer or a boolean and
// returns its JSON text.
func (c *cursor) rawScalar() []byte {
	if !c.ok || len(c.b) == 0 {
		c.ok = false
		return nil
	}
	start := c.b
	switch {
	case c.b[0] == '"':
		c.str()
	case c.lit("true"), c.lit("false"):
	default:
		c.int()
	}
	if !c.ok {
		return nil
	}
	return start[:len(start)-len(c.b)]
}

func (c *cursor) int() int64 {
	i := 0
	if len(c.b) > 0 && c.b[0] == '-' {
		i++
	}
	for i < len(c.b) && c.b[i] >= '0' && c.b[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(string(c.b[:i]), 10, 64)
	if err != nil || !c.ok {
		c.ok = false
		return 0
	}
	c.b = c.b[i:]
	return n
}

// time reads a quoted timestamp as proto.Time does and returns milliseconds.
func (c *cursor) time() int64 {
	start := c.b
	c.str()
	if !c.ok {
		return 0
	}
	var t proto.Time
	if t.UnmarshalJSON(start[:len(start)-len(c.b)]) != nil {
		c.ok = false
		return 0
	}
	return millis(t)
}

// object reads {"k":scalar,...} into a map of JSON texts.
func (c *cursor) object() map[string][]byte {
	if !c.lit("{") {
		c.ok = false
		return nil
	}
	m := map[string][]byte{}
	for first := true; c.ok && !c.lit("}"); first = false {
		if !first && !c.lit(",") {
			c.ok = false
			return nil
		}
		k := c.str()
		if !c.lit(":") {
			c.ok = false
			return nil
		}
		m[k] = c.rawScalar()
	}
	return m
}

// fastServer converts a ctrl or data frame written by proto's fast encoder.
func fastServer(frame []byte) (*ServerMsg, bool) {
	c := &cursor{b: frame, ok: true}
	switch {
	case c.lit(`{"ctrl":{`):
		return fastCtrl(c)
	case c.lit(`{"data":{`):
		return fastData(c)
	}
	return nil, false
}

func fastCtrl(c *cursor) (*ServerMsg, bool) {
	w := &ServerCtrl{}
	if c.lit(`"id":`) {
		w.Id = c.str()
		c.lit(",")
	}
	if c.lit(`"topic":`) {
		w.Topic = c.str()
		c.lit(",")
	}
	if !c.lit(`"code":`) {
		return nil, false
	}
	w.Code = int32(c.int())
	if c.lit(`,"text":`) {
		w.Text = c.str()
	}
	if c.lit(`,"params":`) {
		w.Params = c.object()
	}
	if !c.lit(`,"ts":`) {
		return nil, false
	}
	w.Timestamp = c.time()
	if !c.lit("}}") || len(c.b) != 0 || !c.ok {
		return nil, false
	}
	return &ServerMsg{Message: &ServerMsg_Ctrl{Ctrl: w}}, true
}

func fastData(c *cursor) (*ServerMsg, bool) {
	w := &ServerData{}
	if !c.lit(`"topic":`) {
		return nil, false
	}
	w.Topic = c.str()
	if c.lit(`,"from":`) {
		w.FromUserId = c.str()
	}
	if !c.lit(`,"ts":`) {
		return nil, false
	}
	w.Timestamp = c.time()
	if c.lit(`,"deleted":`) {
		w.DeletedAt = c.time()
	}
	if !c.lit(`,"seq":`) {
		return nil, false
	}
	w.SeqId = int32(c.int())
	if c.lit(`,"head":`) {
		w.Head = c.object()
	}
	if c.lit(`,"content":`) {
		// Content is last: everything up to the closing braces, which the
		// encoder wrote compact and valid.
		if len(c.b) < 3 || !bytes.HasSuffix(c.b, []byte("}}")) {
			return nil, false
		}
		w.Content = c.b[: len(c.b)-2 : len(c.b)-2]
		c.b = c.b[len(c.b)-2:]
	}
	if !c.lit("}}") || len(c.b) != 0 || !c.ok {
		return nil, false
	}
	return &ServerMsg{Message: &ServerMsg_Data{Data: w}}, true
}

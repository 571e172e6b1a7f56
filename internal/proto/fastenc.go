package proto

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// The two frames of every message sent, the sender's ctrl 202 and the
// receivers' {data}, are written here without reflection; encoding/json took
// ~10% of the server's CPU in a profile of bench pairs. The fast path takes
// only what it can write exactly as encoding/json would: strings of printable
// ASCII that need no escaping, and maps of such strings, ints and bools
// (keys sorted, as encoding/json sorts them). Anything else returns ok=false
// and goes through encoding/json, so the bytes on the wire never depend on
// which path wrote them (TestFastEncodeMatchesEncodingJSON).

// appendFast appends m's frame to b when the fast path can write it.
func appendFast(b []byte, m *ServerMsg) ([]byte, bool) {
	switch {
	case m.Ctrl != nil && m.Data == nil && m.Meta == nil && m.Pres == nil && m.Info == nil:
		return appendCtrl(b, m.Ctrl)
	case m.Data != nil && m.Ctrl == nil && m.Meta == nil && m.Pres == nil && m.Info == nil:
		return appendData(b, m.Data)
	}
	return b, false
}

// fastSize guesses the length of m's frame, so that it is written in one
// allocation that queued frames do not hold much slack in.
func fastSize(m *ServerMsg) int {
	const fixed, perKey = 96, 32 // field names, punctuation, time; a map entry
	switch {
	case m.Ctrl != nil:
		c := m.Ctrl
		return fixed + len(c.ID) + len(c.Topic) + len(c.Text) + perKey*len(c.Params)
	case m.Data != nil:
		d := m.Data
		return fixed + len(d.Topic) + len(d.From) + len(d.Content) + perKey*len(d.Head)
	}
	return 0
}

func appendCtrl(b []byte, c *MsgServerCtrl) ([]byte, bool) {
	ok := true
	b = append(b, `{"ctrl":{`...)
	sep := false
	if c.ID != "" {
		b, ok = appendField(b, sep, "id", c.ID, ok)
		sep = true
	}
	if c.Topic != "" {
		b, ok = appendField(b, sep, "topic", c.Topic, ok)
		sep = true
	}
	if sep {
		b = append(b, ',')
	}
	b = strconv.AppendInt(append(b, `"code":`...), int64(c.Code), 10)
	if c.Text != "" {
		b, ok = appendField(b, true, "text", c.Text, ok)
	}
	if len(c.Params) > 0 {
		b = append(b, `,"params":`...)
		b, ok = appendMap(b, c.Params, ok)
	}
	b = appendTime(append(b, `,"ts":`...), c.Timestamp)
	return append(b, "}}"...), ok
}

func appendData(b []byte, d *MsgServerData) ([]byte, bool) {
	ok := true
	b = append(b, `{"data":{`...)
	b, ok = appendField(b, false, "topic", d.Topic, ok)
	if d.From != "" {
		b, ok = appendField(b, true, "from", d.From, ok)
	}
	b = appendTime(append(b, `,"ts":`...), d.Timestamp)
	if d.DeletedAt != nil {
		b = appendTime(append(b, `,"deleted":`...), *d.DeletedAt)
	}
	b = strconv.AppendInt(append(b, `,"seq":`...), int64(d.SeqID), 10)
	if len(d.Head) > 0 {
		b = append(b, `,"head":`...)
		b, ok = appendMap(b, d.Head, ok)
	}
	if len(d.Content) > 0 && ok {
		b = append(b, `,"content":`...)
		if plainString(d.Content) {
			return append(append(b, d.Content...), "}}"...), true
		}
		// encoding/json compacts a RawMessage, without HTML escaping.
		buf := bytes.NewBuffer(b)
		if json.Compact(buf, d.Content) != nil {
			return b, false
		}
		b = buf.Bytes()
	}
	return append(b, "}}"...), ok
}

// plainString reports whether raw is a JSON string of printable ASCII
// with no escapes: valid and already compact, so it is copied as it is.
// Plain-text content is the most common kind.
func plainString(raw []byte) bool {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return false
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendField appends ,"key":"value" (no comma when sep is false).
func appendField(b []byte, sep bool, key, value string, ok bool) ([]byte, bool) {
	if sep {
		b = append(b, ',')
	}
	b = append(append(append(b, '"'), key...), `":`...)
	return appendString(b, value, ok)
}

// appendString quotes s if it needs no escaping; otherwise it reports !ok.
func appendString(b []byte, s string, ok bool) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return b, false
		}
	}
	return append(append(append(b, '"'), s...), '"'), ok
}

// appendMap writes a map of strings, ints and bools with sorted keys.
func appendMap(b []byte, m map[string]any, ok bool) ([]byte, bool) {
	var arr [4]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b, ok = appendString(b, k, ok)
		b = append(b, ':')
		switch v := m[k].(type) {
		case string:
			b, ok = appendString(b, v, ok)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		default:
			ok = false
		}
		if !ok {
			return b, false
		}
	}
	return append(b, '}'), ok
}

// appendTime writes t as Time.MarshalJSON does.
func appendTime(b []byte, t Time) []byte {
	b = append(b, '"')
	b = t.UTC().Round(time.Millisecond).AppendFormat(b, timeLayout)
	return append(b, '"')
}

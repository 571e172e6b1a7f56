package proto_test

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/proto"
)

// A frame whose strings are not UTF-8 must be refused, not stored: sent on in
// a WebSocket text frame it makes every standards-compliant reader drop the
// connection (issue 10, finding 1). encoding/json accepted all of these.
func TestDecodeClientRefusesInvalidText(t *testing.T) {
	for name, frame := range map[string]string{
		"content byte":         "{\"pub\":{\"id\":\"1\",\"topic\":\"grpX\",\"content\":\"a\xffb\"}}",
		"content object":       "{\"pub\":{\"id\":\"1\",\"topic\":\"grpX\",\"content\":{\"txt\":\"\xc3\"}}}",
		"head":                 "{\"pub\":{\"id\":\"1\",\"topic\":\"grpX\",\"head\":{\"mime\":\"\xed\xa0\x80\"},\"content\":\"x\"}}",
		"public":               "{\"set\":{\"id\":\"1\",\"topic\":\"me\",\"desc\":{\"public\":{\"fn\":\"\xfe\"}}}}",
		"private":              "{\"set\":{\"id\":\"1\",\"topic\":\"grpX\",\"desc\":{\"private\":\"\x80\"}}}",
		"trusted":              "{\"set\":{\"id\":\"1\",\"topic\":\"grpX\",\"desc\":{\"trusted\":[\"\xf8\x88\x80\x80\x80\"]}}}",
		"key":                  "{\"pub\":{\"id\":\"1\",\"topic\":\"grpX\",\"content\":{\"\xff\":1}}}",
		"lone low surrogate":   `{"pub":{"id":"1","topic":"grpX","content":"\udc80"}}`,
		"lone high surrogate":  `{"pub":{"id":"1","topic":"grpX","content":"\ud800"}}`,
		"high then not low":    `{"pub":{"id":"1","topic":"grpX","content":"\uD83D\u0041"}}`,
		"high at end of frame": `{"pub":{"id":"1","topic":"grpX","content":{"\ud83d":1}}}`,
	} {
		m, err := proto.DecodeClient([]byte(frame))
		if !errors.Is(err, proto.ErrMalformed) || !errors.Is(err, proto.ErrMalformed) {
			t.Errorf("%s: DecodeClient(%q) error = %v, want ErrInvalidText", name, frame, err)
			continue
		}
		if m == nil || m.ID() != "1" {
			t.Errorf("%s: the refused message %+v does not carry its id for the answer", name, m)
		}
	}
}

// Escapes that only look like surrogates, and real pairs, are text.
func TestDecodeClientAcceptsValidText(t *testing.T) {
	for _, frame := range []string{
		`{"pub":{"id":"1","topic":"grpX","content":"\ud83d\ude00 \u00e9 é 😀"}}`,
		`{"pub":{"id":"1","topic":"grpX","content":"\\udc80 \\\ud800\udc00"}}`,
		`{"pub":{"id":"1","topic":"grpX","content":"\u0000\u001b\"\\"}}`,
	} {
		if _, err := proto.DecodeClient([]byte(frame)); err != nil {
			t.Errorf("DecodeClient(%q) = %v", frame, err)
		}
	}
}

// Whatever the store holds, Encode writes valid UTF-8 JSON: bytes that are
// not UTF-8 (stored by an older version, or written around the server)
// become U+FFFD, on both the fast and the encoding/json path.
func TestEncodeRepairsInvalidText(t *testing.T) {
	bad := json.RawMessage("\"a\xffb\"")
	ts := proto.Now()
	for name, m := range map[string]*proto.ServerMsg{
		"data content (fast path)": {Data: &proto.MsgServerData{Topic: "grpX", SeqID: 1, Timestamp: ts, Content: bad}},
		"data content object":      {Data: &proto.MsgServerData{Topic: "grpX", SeqID: 1, Timestamp: ts, Content: json.RawMessage("{\"t\":\"\xc3\"}")}},
		"data head":                {Data: &proto.MsgServerData{Topic: "grpX", SeqID: 1, Timestamp: ts, Head: map[string]any{"x": "\xff"}, Content: json.RawMessage(`"ok"`)}},
		"meta public":              {Meta: &proto.MsgServerMeta{Topic: "grpX", Timestamp: ts, Desc: &proto.MsgTopicDesc{Public: bad, Private: bad, Trusted: bad}}},
		"meta sub public":          {Meta: &proto.MsgServerMeta{Topic: "me", Timestamp: ts, Sub: []proto.MsgTopicSub{{Public: bad, Private: bad, Trusted: bad}}}},
		"ctrl text":                {Ctrl: &proto.MsgServerCtrl{ID: "\xff", Topic: "grpX", Code: 200, Text: "ok", Timestamp: ts}},
		"ctrl params (fast path)":  {Ctrl: &proto.MsgServerCtrl{ID: "1", Code: 202, Text: "accepted", Params: map[string]any{"seq": 1, "x": "\xff"}, Timestamp: ts}},
		"ctrl params (slow path)":  {Ctrl: &proto.MsgServerCtrl{ID: "1", Code: 202, Text: "accepted", Params: map[string]any{"v": bad}, Timestamp: ts}},
		"pres":                     {Pres: &proto.MsgServerPres{Topic: "me", What: "on", Src: "\xff"}},
	} {
		b, err := proto.Encode(m)
		if err != nil {
			t.Errorf("%s: Encode: %v", name, err)
			continue
		}
		if !utf8.Valid(b) || !json.Valid(b) {
			t.Errorf("%s: Encode wrote %q, not valid UTF-8 JSON", name, b)
		}
	}
}

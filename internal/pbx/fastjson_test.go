package pbx

import (
	"encoding/json"
	"testing"
	"time"

	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/proto"
)

// slowServer is the conversion through encoding/json that the fast path
// stands in for.
func slowServer(t *testing.T, frame []byte) *ServerMsg {
	t.Helper()
	var m proto.ServerMsg
	if err := json.Unmarshal(frame, &m); err != nil {
		t.Fatalf("%s: %v", frame, err)
	}
	w, err := ServerToWire(&m)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// sameMessage compares two wire messages by what they mean: the JSON the
// model makes of them (head and params values may be spelled differently).
func sameMessage(t *testing.T, a, b *ServerMsg) bool {
	t.Helper()
	ma, err1 := ServerFromWire(a)
	mb, err2 := ServerFromWire(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("from wire: %v, %v", err1, err2)
	}
	ja, _ := proto.Encode(ma)
	jb, _ := proto.Encode(mb)
	return string(ja) == string(jb)
}

// TestFastTranscodeMatches: for every kind of ctrl and data frame the
// encoder writes, the fast path either declines or gives what encoding/json
// gives; and it takes the common ones.
func TestFastTranscodeMatches(t *testing.T) {
	ts := proto.TimeOf(time.Date(2026, 12, 6, 13, 24, 31, 123e6, time.UTC))
	del := proto.TimeOf(ts.Add(time.Hour))
	var msgs []*proto.ServerMsg
	for _, head := range []map[string]any{nil, {"msgid": "m-1"}, {"msgid": "m-2", "n": 3, "b": true, "neg": -4},
		{"x": "<tag>&"}, {"x": "中文"}, {"x": 1.5}, {"x": map[string]any{"y": 1}}, {"x": "quote\"d"}} {
		for _, content := range []string{``, `"plain"`, `{"txt":"你好","fmt":[{"at":1}]}`, `"esc\"aped"`, `[1, 2 ,3]`, `"}}"`} {
			d := &proto.MsgServerData{Topic: "usrA", From: "usrB", Timestamp: ts, SeqID: 7, Head: head,
				Content: json.RawMessage(content)}
			msgs = append(msgs, &proto.ServerMsg{Data: d})
			d2 := *d
			d2.From, d2.DeletedAt = "", &del
			msgs = append(msgs, &proto.ServerMsg{Data: &d2})
		}
	}
	for _, params := range []map[string]any{nil, {"seq": 17}, {"seq": 17, "duplicate": true},
		{"what": "data", "count": 3}, {"sid": "abc", "ver": "0.25", "build": "parley:x", "f": 0.5},
		{"nested": map[string]any{"a": 1}}, {"s": "ünïcode"}} {
		for _, id := range []string{"", "42"} {
			for _, topic := range []string{"", "usrA"} {
				for _, text := range []string{"ok", "", "bad \"text\""} {
					msgs = append(msgs, &proto.ServerMsg{Ctrl: &proto.MsgServerCtrl{ID: id, Topic: topic,
						Code: 202, Text: text, Params: params, Timestamp: ts}})
				}
			}
		}
	}
	fast := 0
	for _, m := range msgs {
		frame, err := proto.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := fastServer(frame)
		if !ok {
			continue
		}
		fast++
		if !sameMessage(t, w, slowServer(t, frame)) {
			t.Errorf("fast path differs for %s:\n fast %v\n slow %v", frame, w, slowServer(t, frame))
		}
		if _, err := gproto.Marshal(w); err != nil {
			t.Errorf("fast result does not marshal: %v", err)
		}
	}
	if fast < len(msgs)/2 {
		t.Errorf("fast path took only %d of %d frames", fast, len(msgs))
	}
	for _, bad := range []string{`{"data":{"topic":"a","ts":"2026-13-01T00:00:00Z","seq":1}}`,
		`{"data":{"topic":"a","ts":"x","seq":1}}`, `{"ctrl":{"code":1}}`, `{"data":{"topic":"a"}}`,
		`{"ctrl":{"code":200,"ts":"2026-12-06T13:24:31Z"}} `, `{"data":{"topic":"a","ts":"2026-12-06T13:24:31Z","seq":1,"content":}}`} {
		if w, ok := fastServer([]byte(bad)); ok {
			t.Errorf("fast path took %s as %v", bad, w)
		}
	}
}

func BenchmarkTranscodeFast(b *testing.B) {
	frame, _ := proto.Encode(benchData(42))
	if _, ok := fastServer(frame); !ok {
		b.Fatal("benchmark frame not on the fast path")
	}
	b.ReportAllocs()
	for b.Loop() {
		w, _ := fromJSON(frame)
		gproto.Marshal(w)
	}
}

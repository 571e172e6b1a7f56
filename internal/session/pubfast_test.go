package session

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// pubSeeds are what the SDKs send, then near misses. The first
// pubFastSeeds are read by the fast path.
var pubSeeds = []string{
	// parley bench
	`{"pub":{"id":"17","topic":"usrAQAAAAAAAAA","noecho":true,"content":{"n":12,"ts":1700000000000000000,"p":"abcdef"}}}`,
	// Parley's Go and TypeScript SDKs
	`{"pub":{"id":"3","topic":"grpX","head":{"msgid":"m-1a2b"},"content":"hello"}}`,
	`{"pub":{"id":"3","topic":"grpX","head":{"mime":"text/x-drafty","msgid":"m-1a2b"},"content":{"txt":"hi","fmt":[{"at":0,"len":2,"tp":"ST"}]}}}`,
	// tinode-sdk: plain text, then Drafty
	`{"pub":{"id":"90211","topic":"grpX","content":"hello"}}`,
	`{"pub":{"id":"90212","topic":"grpX","noecho":true,"head":{"mime":"text/x-drafty"},"content":{"txt":"bold","fmt":[{"tp":"ST","len":4}]}}}`,
	// other orders, empty parts, nested head, escapes inside content
	`{"pub":{"content":[1,2,{"a":"]}"}],"topic":"grpX","id":"1"}}`,
	`{"pub":{}}`,
	`{"pub":{"topic":"grpX","noecho":false,"head":{},"content":""}}`,
	`{"pub":{"topic":"grpX","head":{"a":{"b":[1,2.5,"}"]},"c":null,"d":true},"content":"x"}}`,
	`{"pub":{"topic":"grpX","head":{"k":"v","k":"w"},"content":"x"}}`,
	`{"pub":{"topic":"grpX","content":"a\"b\\c\u00e9\ud83d\ude00\n"}}`,
	`{"pub":{"topic":"grpX","content":"\u0000"}}`,
	`{"pub":{"topic":"grpX","content":"héllo 世界"}}`,
	`{"pub":{"topic":"grpX","content":{"n":123456789012345678901234567890}}}`,
	`{"pub":{"topic":"grpX","head":{"big":1e308},"content":{ "spaced" : [ 1 , 2 ] }}}`,
	// Refused here, decoded (or refused) by DecodeClient:
	`{"pub":{"topic":"grpX","head":{"big":1e400},"content":"x"}}`,
	`{"pub":{"topic":"grpX","content":"\ud800"}}`,
	"{\"pub\":{\"topic\":\"grpX\",\"content\":\"\xff\"}}",
	"{\"pub\":{\"topic\":\"grpX\",\"head\":{\"k\":\"\xc3\x28\"},\"content\":\"x\"}}",
	`{"pub":{"topic":"grp\u0058","content":"x"}}`,
	`{"pub":{"id":"1","id":"2","topic":"grpX"}}`,
	`{"pub":{"topic":"grpX","head":{"a":"1"},"head":{"b":"2"}}}`,
	`{"pub":{"Topic":"grpX","content":"x"}}`,
	`{"pub":{"topic":"grpX","from":"usrX","content":"x"}}`,
	`{"pub":{"topic":"grpX","content":null}}`,
	`{"pub":{"topic":"grpX","content":12}}`,
	`{"pub":{"topic":"grpX","head":null,"content":"x"}}`,
	`{"pub":{"topic":"grpX","head":"x","content":"x"}}`,
	`{"pub":{"topic":"grpX","noecho":1,"content":"x"}}`,
	`{"pub":{"topic":"grpX","content":"x"},"extra":{"attachments":["/v0/file/s/a"]}}`,
	`{"pub":{"topic":"grpX","content":"x"},"note":{"topic":"grpX","what":"kp"}}`,
	`{"pub":{"topic":"grpX","content":"x"}} `,
	`{"pub":{"topic":"grpX", "content":"x"}}`,
	`{"pub":{"topic":"grpX","content":"x",}}`,
	`{"pub":{,"topic":"grpX"}}`,
	`{"pub":{"topic":"grpX","content":{"a":1}}`,
	`{"pub":{"topic":"grpX","content":{"a":1]}}}`,
	`{"pub":{"topic":"grpX","content":{"a":1}}}}`,
	`{"pub":{"topic":"grpX","content":"x}}`,
	`{"pub":{"topic":"grpX","content":"a\qb"}}`,
	// encoding/json's nesting limit counts {"pub":{…}}: refused by DecodeClient.
	`{"pub":{"topic":"grpX","content":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`,
	`{"pub":{"topic":"grpX","head":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat("}", 9999) + `}}`,
	// Decoded by DecodeClient, but deeper than this path reads.
	`{"pub":{"topic":"grpX","content":` + strings.Repeat("[", maxPubDepth+1) + strings.Repeat("]", maxPubDepth+1) + `}}`,
}

const pubFastSeeds = 15

// Whatever decodePub accepts, proto.DecodeClient decodes to the same
// message; what it refuses is left to DecodeClient.
func FuzzDecodePub(f *testing.F) { fuzzAgainstDecodeClient(f, pubSeeds, decodePub) }

// The SDKs' shapes are read here; near misses are not.
func TestDecodePubTakesOnlyItsShapes(t *testing.T) {
	for i, s := range pubSeeds {
		_, ok := decodePub([]byte(s))
		if want := i < pubFastSeeds; ok != want {
			t.Errorf("%.200s: fast path %v, want %v", s, ok, want)
		}
	}
	m, _ := decodePub([]byte(pubSeeds[2]))
	want := proto.MsgClientPub{ID: "3", Topic: "grpX",
		Head:    map[string]any{"mime": "text/x-drafty", "msgid": "m-1a2b"},
		Content: json.RawMessage(`{"txt":"hi","fmt":[{"at":0,"len":2,"tp":"ST"}]}`)}
	if !reflect.DeepEqual(*m.Pub, want) {
		t.Fatalf("decoded %+v, want %+v", *m.Pub, want)
	}
}

// The content is a copy: a transport may reuse the frame's buffer.
func TestDecodePubCopiesContent(t *testing.T) {
	frame := []byte(pubSeeds[3])
	m, ok := decodePub(frame)
	if !ok {
		t.Fatal("refused")
	}
	for i := range frame {
		frame[i] = 'x'
	}
	if string(m.Pub.Content) != `"hello"` || m.Pub.ID != "90211" || m.Pub.Topic != "grpX" {
		t.Fatalf("decoded %+v after the frame changed", *m.Pub)
	}
}

// go test -run '^$' -bench DecodePub ./internal/session/
func BenchmarkDecodePub(b *testing.B) {
	for _, c := range []struct {
		name  string
		frame string
	}{{"bench", pubSeeds[0]}, {"sdk", pubSeeds[1]}, {"drafty", pubSeeds[4]}} {
		frame := []byte(c.frame)
		b.Run(c.name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				decodePub(frame)
			}
		})
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				proto.DecodeClient(frame)
			}
		})
	}
}

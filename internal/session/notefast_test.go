package session

import (
	"reflect"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

var noteSeeds = []string{
	`{"note":{"topic":"usrAQAAAAAAAAA","what":"recv","seq":42}}`,
	`{"note":{"topic":"grpX","what":"read","seq":1}}`,
	`{"note":{"topic":"grpX","what":"kp"}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":0}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":999999999999999}}`,
	// Refused here, decoded (or refused) by DecodeClient:
	`{"note":{"topic":"grpX","what":"recv","seq":9999999999999999}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":007}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":-1}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":1.5}}`,
	`{"note":{"topic":"grp\u0058","what":"recv","seq":1}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":1},"pub":{}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":1}} `,
	`{"note":{"what":"recv","topic":"grpX","seq":1}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":1}}}`,
	`{"note":{"topic":"grpX","what":"recv","seq":}}`,
	`{"note":{"topic":"grpX","what":"recv"`,
	`{"note":{"topic":"grpé","what":"recv","seq":1}}`,
}

// Whatever decodeNote accepts, proto.DecodeClient decodes to the same
// message; what it refuses is left to DecodeClient.
func FuzzDecodeNote(f *testing.F) { fuzzAgainstDecodeClient(f, noteSeeds, decodeNote) }

// The shape tinode-sdk sends is read here; near misses are not.
func TestDecodeNoteTakesOnlyItsShape(t *testing.T) {
	for i, s := range noteSeeds {
		_, ok := decodeNote([]byte(s))
		if want := i < 5; ok != want {
			t.Errorf("%s: fast path %v, want %v", s, ok, want)
		}
	}
	m, _ := decodeNote([]byte(noteSeeds[0]))
	if want := (proto.MsgClientNote{Topic: "usrAQAAAAAAAAA", What: "recv", SeqID: 42}); !reflect.DeepEqual(*m.Note, want) {
		t.Fatalf("decoded %+v, want %+v", *m.Note, want)
	}
}

// go test -run '^$' -bench DecodeNote ./internal/session/
func BenchmarkDecodeNote(b *testing.B) {
	frame := []byte(noteSeeds[0])
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			decodeNote(frame)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			proto.DecodeClient(frame)
		}
	})
}

// fuzzAgainstDecodeClient checks that whatever decode (a hand-written
// reader of one frame shape) accepts, proto.DecodeClient decodes to the
// same message; what decode refuses is left to DecodeClient.
func fuzzAgainstDecodeClient(f *testing.F, seeds []string, decode func([]byte) (*proto.ClientMsg, bool)) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		fast, ok := decode(frame)
		if !ok {
			return
		}
		slow, err := proto.DecodeClient(frame)
		if err != nil {
			t.Fatalf("%q: accepted here, refused by DecodeClient: %v", frame, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: decoded %+v here, %+v by DecodeClient", frame, fast, slow)
		}
	})
}

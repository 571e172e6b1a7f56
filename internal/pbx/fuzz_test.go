package pbx

import (
	"bytes"
	"errors"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// FuzzDecodeProtobufClient: DecodeClient never panics, fails only with
// ErrMalformed (ErrInvalidText with the message, so the answer can name its
// id), and whatever it accepts survives EncodeClient and a second decode
// unchanged.
func FuzzDecodeProtobufClient(f *testing.F) {
	for _, s := range clientSamples {
		m, err := proto.DecodeClient([]byte(s))
		if err != nil {
			f.Fatal(err)
		}
		b, err := EncodeClient(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeClient(b)
		if errors.Is(err, proto.ErrInvalidText) {
			if m == nil {
				t.Fatal("ErrInvalidText without the message")
			}
			return
		}
		if err != nil {
			if m != nil || !errors.Is(err, proto.ErrMalformed) {
				t.Fatalf("DecodeClient = %v, %v; want nil, ErrMalformed", m, err)
			}
			return
		}
		again, err := EncodeClient(m)
		if err != nil {
			t.Fatalf("accepted message does not encode: %v", err)
		}
		m2, err := DecodeClient(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		want, _ := proto.EncodeClient(m)
		got, _ := proto.EncodeClient(m2)
		if !bytes.Equal(want, got) {
			t.Fatalf("round trip changed the message\n want %s\n  got %s", want, got)
		}
	})
}

// FuzzSplitBatch: SplitBatch never panics, never returns more than the
// limit, and what it returns is exactly the frame, cut at the prefixes.
func FuzzSplitBatch(f *testing.F) {
	f.Add([]byte{}, 4)
	f.Add(AppendDelimited(AppendDelimited(nil, []byte("hello")), nil), 4)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1}, 0)
	f.Add(bytes.Repeat([]byte{0}, 300), 256)
	f.Fuzz(func(t *testing.T, frame []byte, limit int) {
		msgs, err := SplitBatch(frame, limit)
		if err != nil {
			if msgs != nil || !errors.Is(err, proto.ErrMalformed) {
				t.Fatalf("SplitBatch = %d messages, %v", len(msgs), err)
			}
			return
		}
		if limit > 0 && len(msgs) > limit {
			t.Fatalf("%d messages over the limit of %d", len(msgs), limit)
		}
		var again []byte
		for _, m := range msgs {
			again = AppendDelimited(again, m)
		}
		if !bytes.Equal(again, frame) && !nonMinimalVarints(frame) {
			t.Fatalf("reassembled %x, want %x", again, frame)
		}
	})
}

// nonMinimalVarints reports whether a frame spells a length with more bytes
// than needed (0x80 0x00 for 0): valid, but reassembly writes it shorter.
func nonMinimalVarints(frame []byte) bool {
	msgs, _ := SplitBatch(frame, 0)
	n := 0
	for _, m := range msgs {
		n += len(m) + varintLen(len(m))
	}
	return n != len(frame)
}

func varintLen(n int) int {
	return len(AppendDelimited(nil, make([]byte, n))) - n
}

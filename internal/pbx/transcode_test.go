package pbx

import (
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// The same frame is converted once; equal bytes in another slice are
// converted on their own (they may be another message's once reused); the
// probe answer is not a message.
func TestTranscoderConvertsEachFrameOnce(t *testing.T) {
	tr := NewTranscoder()
	frame, _ := proto.Encode(benchData(7))
	m1, b1, ok := tr.Server(frame)
	if !ok || m1.GetData().GetSeqId() != 7 {
		t.Fatalf("first: %v %v", m1, ok)
	}
	m2, b2, _ := tr.Server(frame)
	if m2 != m1 || &b2[0] != &b1[0] {
		t.Fatal("the same frame was converted twice")
	}
	copyOf := append([]byte(nil), frame...)
	if m3, _, _ := tr.Server(copyOf); m3 == m1 {
		t.Fatal("another slice was served from the cache")
	}
	if _, _, ok := tr.Server([]byte("0")); ok {
		t.Fatal("the probe answer converted")
	}
	for i := 0; i < transcodeSlots+10; i++ { // the ring wraps and forgets
		f, _ := proto.Encode(benchData(i))
		if m, _, ok := tr.Server(f); !ok || m.GetData().GetSeqId() != int32(i) {
			t.Fatalf("frame %d: %v", i, m)
		}
	}
	if len(tr.index) != transcodeSlots {
		t.Fatalf("index holds %d, want %d", len(tr.index), transcodeSlots)
	}
}

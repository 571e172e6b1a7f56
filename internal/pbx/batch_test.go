package pbx

import (
	"errors"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

func TestBatchRoundTrip(t *testing.T) {
	var frame []byte
	want := [][]byte{[]byte("a"), {}, make([]byte, 300)}
	for _, m := range want {
		frame = AppendDelimited(frame, m)
	}
	got, err := SplitBatch(frame, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != string(want[i]) {
			t.Errorf("message %d differs", i)
		}
	}
}

func TestSplitBatchRefuses(t *testing.T) {
	three := AppendDelimited(AppendDelimited(AppendDelimited(nil, []byte("a")), []byte("b")), []byte("c"))
	for name, c := range map[string]struct {
		frame []byte
		max   int
	}{
		"empty":          {nil, 0},
		"past the end":   {[]byte{5, 'a'}, 0},
		"bad varint":     {[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0},
		"huge length":    {[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0},
		"too many":       {three, 2},
		"truncated last": {three[:len(three)-1], 0},
	} {
		if _, err := SplitBatch(c.frame, c.max); !errors.Is(err, proto.ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
	if got, err := SplitBatch(three, 3); err != nil || len(got) != 3 {
		t.Errorf("three messages at a limit of three: %d, %v", len(got), err)
	}
}

package pbx

import (
	"testing"

	gproto "google.golang.org/protobuf/proto"
)

func mustEncodeRaw(t testing.TB, m *ClientMsg) []byte {
	t.Helper()
	b, err := gproto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package parley

import (
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// A client on protobuf and one on JSON chat: both converge on the same
// 40 messages, each once and in order, and receipts and read marks cross
// the codecs.
func TestProtobufClientChatsWithJSONClient(t *testing.T) {
	srv := servertest.Start(t)
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice", WithProtobuf()), newClient(t, a, "bob")
	sa, sb := watch(alice), watch(bob)
	ab, ba := pair(t, alice, bob)
	var mine []*Message
	for i := range 20 {
		mine = append(mine, alice.Send(ab, map[string]any{"txt": fmt.Sprint("a", i)}))
		bob.Send(ba, map[string]any{"txt": fmt.Sprint("b", i)})
	}
	converged(t, alice, ab, sa, bob, ba, sb, 40)
	waitFor(t, "delivered", func() bool { return mine[19].Status() == StatusDelivered })
	if err := bob.NoteRead(ba, mine[19].Seq()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "read", func() bool { return mine[19].Status() == StatusRead })
}

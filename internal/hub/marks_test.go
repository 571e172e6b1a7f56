package hub_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// A member who sends before acknowledging what the others sent still owes
// that acknowledgement: their own message must not move their recv mark
// over the others' messages, or the acknowledgement that follows is taken
// as stale and the others never get their delivery receipt.
func TestOwnSendDoesNotSkipReceipts(t *testing.T) {
	const owner, member proto.Uid = 42, 43
	st := openStore(t)
	name := newGroup(t, st, owner)
	f := newFixture(t, st, name, hub.DefaultLimits)
	o, m := f.attach("o", owner, ""), f.attach("m", member, "")
	f.pub(o, 1) // seq 1, not yet acknowledged by the member
	wantSeqs(t, "member", dataSeqs(t, m, 1), 1, 1)
	f.dispatch(m, &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: "mp", Topic: name, NoEcho: true,
		Content: json.RawMessage(`"hi"`)}})
	m.ctrl(t, "mp") // seq 2
	f.note(m, "recv", 2)
	for {
		msg := o.next(t)
		if info, ok := msg["info"].(map[string]any); ok {
			if info["what"] != "recv" || info["seq"] != 2.0 {
				t.Fatalf("owner got %v, want the member's recv 2", info)
			}
			break
		}
	}
	meta := f.barrier(m)
	desc := meta["desc"].(map[string]any)
	if desc["recv"] != 2.0 || desc["read"] != nil && desc["read"] != 0.0 {
		t.Fatalf("member's marks in desc: recv %v read %v, want 2 and none", desc["recv"], desc["read"])
	}
}

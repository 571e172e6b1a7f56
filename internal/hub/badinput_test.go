package hub_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// Requests a hostile client can shape to be expensive or to break the
// store's limits are answered 400 by the topic, before the store sees them.

// groupFixture is a group with two messages and its owner's session.
func groupFixture(t *testing.T) (*fixture, *session) {
	t.Helper()
	const owner proto.Uid = 42
	st := openStore(t)
	f := newFixture(t, st, newGroup(t, st, owner), hub.DefaultLimits)
	a := f.attach("a", owner, "")
	f.pub(a, 2)
	return f, a
}

// Two ranges of 2^62 seqs each wrapped the running total of a del msg
// around to a negative number, which passed the 2^20 cap (issue 10,
// finding 14).
func TestDelRangesCannotOverflowTheCap(t *testing.T) {
	f, a := groupFixture(t)
	const big = 1 << 62
	for name, ranges := range map[string][]proto.MsgDelRange{
		"sum wraps":       {{Low: 1, Hi: big + 1}, {Low: 2, Hi: big + 2}},
		"one over cap":    {{Low: 1, Hi: 1<<20 + 2}},
		"too many ranges": manyRanges(129),
	} {
		f.dispatch(a, &proto.ClientMsg{Del: &proto.MsgClientDel{ID: "d", Topic: f.name, What: "msg", DelSeq: ranges, Hard: true}})
		if c := a.ctrl(t, "d"); c["code"] != 400.0 {
			t.Errorf("%s: del msg answered %v, want 400", name, c)
		}
	}
	same := make([]proto.MsgDelRange, 128) // within the topic's two messages
	for i := range same {
		same[i] = proto.MsgDelRange{Low: 1, Hi: 3}
	}
	f.dispatch(a, &proto.ClientMsg{Del: &proto.MsgClientDel{ID: "ok", Topic: f.name, What: "msg", DelSeq: same}})
	if c := a.ctrl(t, "ok"); c["code"] != 200.0 {
		t.Errorf("del msg of 128 ranges answered %v, want 200", c)
	}
}

// get data with 1,000 ranges built an SQL expression deeper than SQLite
// allows: a store error, 500 and an error log line per request (finding 13).
func TestGetDataTooManyRangesIs400(t *testing.T) {
	f, a := groupFixture(t)
	get := func(id string, n int) map[string]any {
		f.dispatch(a, &proto.ClientMsg{Get: &proto.MsgClientGet{ID: id, Topic: f.name,
			MsgGetQuery: proto.MsgGetQuery{What: "data", Data: &proto.MsgGetOpts{Ranges: manyRanges(n)}}}})
		return a.ctrl(t, id)
	}
	if c := get("many", 1000); c["code"] != 400.0 {
		t.Fatalf("get data with 1000 ranges answered %v, want 400", c)
	}
	if c := get("ok", 128); c["code"] != 208.0 {
		t.Fatalf("get data with 128 ranges answered %v, want 208", c)
	}
}

// manyRanges returns n one-seq ranges 1, 3, 5, …
func manyRanges(n int) []proto.MsgDelRange {
	out := make([]proto.MsgDelRange, n)
	for i := range out {
		out[i] = proto.MsgDelRange{Low: 2*i + 1}
	}
	return out
}

// A msgid is printed by operators' tools: control and format characters
// are refused at pub (finding 15).
func TestMsgIDControlCharactersAre400(t *testing.T) {
	f, a := groupFixture(t)
	pub := func(id, msgid string) map[string]any {
		f.dispatch(a, &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: f.name,
			Head: map[string]any{"msgid": msgid}, Content: json.RawMessage(`"x"`)}})
		return a.ctrl(t, id)
	}
	for _, msgid := range []string{"a\x1b[2Jb", "bell\a", "nul\x00", "del\x7f", "c1\u0085", "rtl\u202Egnp.exe", "zw\u200B"} {
		if c := pub("bad", msgid); c["code"] != 400.0 {
			t.Errorf("pub with msgid %q answered %v, want 400", msgid, c)
		}
	}
	for _, msgid := range []string{"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "message 1", "сообщение-٣", "😀:1"} {
		if c := pub("ok", msgid); c["code"] != 202.0 {
			t.Errorf("pub with msgid %q answered %v, want 202", msgid, c)
		}
	}
}

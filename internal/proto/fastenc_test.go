package proto

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// fastCases are frames the fast path writes and frames it must hand to
// encoding/json: escapes, non-ASCII, HTML characters, odd map values,
// content with spaces, invalid content and several messages in one.
func fastCases() []*ServerMsg {
	ts := TimeOf(time.Date(2026, 11, 23, 12, 0, 0, 123_456_789, time.FixedZone("x", 3600)))
	del := TimeOf(time.Unix(1, 0))
	return []*ServerMsg{
		CtrlParams("42", "usrAbc", CodeAccepted, "accepted", map[string]any{"seq": 7}, ts),
		CtrlParams("42", "usrAbc", CodeAccepted, "accepted", map[string]any{"seq": 7, "duplicate": true}, ts),
		CtrlParams("", "", 200, "", nil, ts),
		CtrlParams("", "grp1", -3, "", map[string]any{}, Time{}),
		CtrlParams("q\"", "t", 200, "ok", nil, ts),
		CtrlParams("1", "t", 200, "<b>&amp;</b>", nil, ts),
		CtrlParams("1", "t", 200, "żółw", nil, ts),
		CtrlParams("1", "t", 200, "tab\there", nil, ts),
		CtrlParams("1", "t", 200, "ok", map[string]any{"what": []string{"a"}}, ts),
		CtrlParams("1", "t", 200, "ok", map[string]any{"f": 1.5, "s": "x"}, ts),
		CtrlParams("1", "t", 200, "ok", map[string]any{"a": "x", "b": "y", "c": "z", "d": 1, "e": false}, ts),
		{Data: &MsgServerData{Topic: "usrAbc", From: "usrDef", Timestamp: ts, SeqID: 9, Content: json.RawMessage(`"hello"`)}},
		{Data: &MsgServerData{Topic: "grp", Timestamp: ts, SeqID: 0}},
		{Data: &MsgServerData{Topic: "grp", Timestamp: ts, DeletedAt: &del, SeqID: 3, Content: json.RawMessage(` { "a" : [1, 2] ,"b":"<&>"} `)}},
		{Data: &MsgServerData{Topic: "grp", Timestamp: ts, SeqID: 3, Head: map[string]any{"msgid": "m-1", "mime": "text/x-drafty"}, Content: json.RawMessage(`{"txt":"hi"}`)}},
		{Data: &MsgServerData{Topic: "grp", Timestamp: ts, SeqID: 3, Head: map[string]any{"n": nil}}},
		{Data: &MsgServerData{Topic: "grp", Timestamp: ts, SeqID: 3, Head: map[string]any{"k\n": "v"}}},
		{Data: &MsgServerData{Topic: "grp", Timestamp: ts, SeqID: 3, Content: json.RawMessage(`{"bad"`)}},
		{Data: &MsgServerData{Topic: "grp\u2028", Timestamp: ts, SeqID: 3}},
		{Ctrl: &MsgServerCtrl{Code: 200, Timestamp: ts}, Data: &MsgServerData{Topic: "grp", Timestamp: ts}},
		{Pres: &MsgServerPres{Topic: "me", What: "on", Src: "usrAbc"}},
	}
}

// The fast path writes exactly the bytes encoding/json writes, and errs
// exactly when it errs.
func TestFastEncodeMatchesEncodingJSON(t *testing.T) {
	cases := fastCases()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09-_. \"\\\n\t<>&é\u2028\x7f\x01")
	for range 500 {
		s := make([]rune, rng.IntN(6))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		str := string(s)
		cases = append(cases,
			CtrlParams(str, str, rng.IntN(600), str, map[string]any{str: rng.IntN(1 << 40), "seq": str}, Now()),
			&ServerMsg{Data: &MsgServerData{Topic: str, From: str, Timestamp: Now(), SeqID: rng.Int(),
				Head: map[string]any{"msgid": str}, Content: json.RawMessage(`"` + str + `"`)}})
	}
	fast := 0
	for i, m := range cases {
		want, wantErr := encodeJSON(m)
		got, gotErr := Encode(m)
		if (wantErr != nil) != (gotErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s (%v)\nwant %s (%v)", i, got, gotErr, want, wantErr)
		}
		if _, ok := appendFast(nil, m); ok {
			fast++
		}
	}
	if fast < 8 {
		t.Fatalf("only %d of %d cases took the fast path", fast, len(cases))
	}
}

// BenchmarkEncode compares the fast path with encoding/json on the two
// frames of every message: the sender's ctrl 202 and the receiver's data.
func BenchmarkEncode(b *testing.B) {
	ts := Now()
	msgs := map[string]*ServerMsg{
		"ctrl202": CtrlParams("123", "usrAbCdEfGhIjK", CodeAccepted, "accepted", map[string]any{"seq": 123456}, ts),
		"data": {Data: &MsgServerData{Topic: "usrAbCdEfGhIjK", From: "usrLmNoPqRsTuV", Timestamp: ts, SeqID: 123456,
			Content: json.RawMessage(`"` + string(bytes.Repeat([]byte("x"), 128)) + `"`)}},
		// the content bench pairs sends: an object, compacted on both paths
		"data-object": {Data: &MsgServerData{Topic: "usrAbCdEfGhIjK", From: "usrLmNoPqRsTuV", Timestamp: ts, SeqID: 123456,
			Content: json.RawMessage(`{"n":123456,"ts":1700000000000000000,"p":"` + string(bytes.Repeat([]byte("x"), 83)) + `"}`)}},
	}
	for name, m := range msgs {
		b.Run(name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Encode(m)
			}
		})
		b.Run(name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				encodeJSON(m)
			}
		})
	}
}

package session_test

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

// {pub}s in the SDKs' shapes are read without encoding/json; what they are
// answered must not change: accepted, refused as too large (the size rule
// applies to the fast path too), and bad ones answered as DecodeClient's
// errors are.
func TestPubAnswersAreTheSameOnTheFastPath(t *testing.T) {
	env := newFuzzEnv(t)
	r := env.run(t)
	defer r.end()
	r.send(`{"hi":{"id":"h","ver":"0.25"}}`)
	r.send(`{"login":{"id":"l","scheme":"token","secret":"$TOKEN"}}`)
	if got := r.send(`{"sub":{"id":"s","topic":"$GRP"}}`); replyCode(got, "s") != proto.CodeOK {
		t.Fatalf("sub: %q", got)
	}
	big := strings.Repeat("a", int(env.cfg.MaxMessageSize))
	for _, c := range []struct {
		frame, id string
		want      int
	}{
		{`{"pub":{"id":"sdk","topic":"$GRP","head":{"msgid":"m-1"},"content":"hello"}}`, "sdk", proto.CodeAccepted},
		{`{"pub":{"id":"tinode","topic":"$GRP","noecho":true,"head":{"mime":"text/x-drafty"},"content":{"txt":"bold","fmt":[{"tp":"ST","len":4}]}}}`, "tinode", proto.CodeAccepted},
		{`{"pub":{"id":"big","topic":"$GRP","content":"` + big + `"}}`, "big", proto.CodeTooLarge},
		{`{"pub":{"id":"surrogate","topic":"$GRP","content":"\ud800"}}`, "surrogate", proto.CodeMalformed},
		{"{\"pub\":{\"id\":\"utf8\",\"topic\":\"$GRP\",\"content\":\"\xff\"}}", "utf8", proto.CodeMalformed},
		{`{"pub":{"id":"json","topic":"$GRP","content":{"a":1]}}}`, "", proto.CodeMalformed},
		{`{"pub":{"id":"nohead","topic":"$GRP","head":5,"content":"x"}}`, "", proto.CodeMalformed},
	} {
		if got := r.send(c.frame); replyCode(got, c.id) != c.want {
			t.Errorf("%.80s: answered %.200q, want code %d for id %q", c.frame, got, c.want, c.id)
		}
	}
}

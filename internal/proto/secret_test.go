package proto_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/proto"
)

const testJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTEifQ.c2lnbmF0dXJlLWJ5dGVzLV8tLQ"

func TestSecretTakesCompactJWT(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  string
		ok    bool
	}{
		{`{"login":{"scheme":"jwt","secret":"` + testJWT + `"}}`, testJWT, true},
		{`{"acc":{"user":"new","scheme":"jwt","secret":"` + testJWT + `"}}`, testJWT, true},
		// alg none tokens have an empty signature and must still reach the
		// scheme, which refuses them with its own answer.
		{`{"login":{"scheme":"jwt","secret":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}}`, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", true},
		// Base64 still means base64, also for the jwt scheme.
		{`{"login":{"scheme":"jwt","secret":"YWJj"}}`, "abc", true},
		{`{"login":{"scheme":"jwt","secret":"a.b"}}`, "", false},
		{`{"login":{"scheme":"jwt","secret":"a.b.c.d"}}`, "", false},
		{`{"login":{"scheme":"jwt","secret":"a b.c.d"}}`, "", false},
		{`{"login":{"scheme":"jwt","secret":".b.c"}}`, "", false},
		{`{"login":{"scheme":"jwt","secret":12}}`, "", false},
	} {
		m, err := proto.DecodeClient([]byte(tc.frame))
		if (err == nil) != tc.ok {
			t.Errorf("DecodeClient(%s) error = %v, want ok %v", tc.frame, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		var got []byte
		if m.Login != nil {
			got = m.Login.Secret
		} else {
			got = m.Acc.Secret
		}
		if string(got) != tc.want {
			t.Errorf("DecodeClient(%s) secret = %q, want %q", tc.frame, got, tc.want)
		}
	}
}

func TestSecretEncodesAsBase64(t *testing.T) {
	b, err := json.Marshal(proto.MsgClientLogin{Scheme: "jwt", Secret: proto.Secret(testJWT)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := proto.DecodeClient([]byte(`{"login":` + string(b) + `}`))
	if err != nil || string(m.Login.Secret) != testJWT {
		t.Errorf("round trip of %s: %v, %q", b, err, m.Login.Secret)
	}
}

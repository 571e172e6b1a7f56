package hub

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDraftyShortcutMatchesTheDecoder: for every valid JSON object,
// validDrafty, which skips decoding what cannot hold format spans or
// entities, must say what decoding and checking says.
func FuzzDraftyShortcutMatchesTheDecoder(f *testing.F) {
	for _, seed := range []string{
		`{"txt":"hello"}`, `{"n":1,"ts":2,"p":"abc"}`, `{"txt":"x","fmt":[{"key":0}]}`,
		`{"txt":"x","FMT":[{"key":3}]}`, `{"txt":"x","Ent":[{"tp":""}]}`, `{"\u0066mt":[{"key":9}]}`,
		`{"fmt":"not a list"}`, `{"txt":"fmt"}`, `{"ent":[{"tp":"LN","data":{"ref":"x"}}],"fmt":[{"key":0}]}`,
		`{}`, `{"eNt":5}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		trimmed := bytes.TrimSpace(content)
		if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			return
		}
		if got, want := validDrafty(content, nil), checkDrafty(trimmed, nil); got != want {
			t.Fatalf("validDrafty(%q) = %v, decoding says %v", content, got, want)
		}
	})
}

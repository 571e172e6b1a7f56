package policy

import (
	"encoding/json"
	"testing"
)

// decodedText is textOf by the decoder alone, what the plain-string path
// must agree with.
func decodedText(content []byte) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	return ""
}

func FuzzPlainStringMatchesTheDecoder(f *testing.F) {
	for _, seed := range []string{`"abc"`, `""`, `"a\"b"`, `"a\nb"`, `"é 中文"`, "\"\xff\"", "\"a\x01\"",
		`"abc`, `"a"b"`, `"\u00e9"`, `"`, `x"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(content) == 0 || content[0] != '"' {
			return
		}
		if got, want := textOf(content), decodedText(content); got != want {
			t.Fatalf("textOf(%q) = %q, the decoder says %q", content, got, want)
		}
	})
}

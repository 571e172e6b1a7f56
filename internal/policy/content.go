package policy

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// textOf returns the text of a message's content: the content itself when
// it is a JSON string, the "txt" of a Drafty document. Other content (an
// image alone, a form) has no text to check.
func textOf(content json.RawMessage) string {
	if len(content) == 0 {
		return ""
	}
	switch content[0] {
	case '"':
		if s, ok := plainString(content); ok {
			return s
		}
		var s string
		if json.Unmarshal(content, &s) == nil {
			return s
		}
	case '{':
		var d struct {
			Txt string `json:"txt"`
		}
		if json.Unmarshal(content, &d) == nil {
			return d.Txt
		}
	}
	return ""
}

// plainString returns the text of a JSON string that has no escapes and
// no control characters, which is most message texts, without a decoder:
// its text is its bytes between the quotes (invalid UTF-8 is left to the
// decoder, which replaces it).
func plainString(content json.RawMessage) (string, bool) {
	n := len(content)
	if n < 2 || content[n-1] != '"' {
		return "", false
	}
	body := content[1 : n-1]
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

// maskRune replaces each masked character. One rune for one keeps the
// length of a Drafty text in characters, so its styles and entities still
// point at the right places.
const maskRune = '*'

// maskText replaces every character of text in the byte ranges with
// maskRune.
func maskText(text string, ranges [][2]int) string {
	masked := make([]bool, len(text)+1)
	for _, r := range ranges {
		for i := r[0]; i < r[1] && i < len(text); i++ {
			masked[i] = true
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	for i, r := range text {
		if masked[i] {
			b.WriteRune(maskRune)
			continue
		}
		if r == utf8.RuneError {
			b.WriteByte(text[i])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// withText returns content with its text replaced: a JSON string, or the
// Drafty document with a new "txt" and its other fields as they were.
func withText(content json.RawMessage, text string) (json.RawMessage, error) {
	if len(content) > 0 && content[0] == '{' {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(content, &doc); err != nil {
			return nil, err
		}
		raw, err := json.Marshal(text)
		if err != nil {
			return nil, err
		}
		doc["txt"] = raw
		return json.Marshal(doc)
	}
	return json.Marshal(text)
}

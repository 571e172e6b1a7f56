package robot

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/parley-im/parley/internal/store"
)

// FAQFileEntry is one entry of the import format: a JSON array of these
// (docs/robot.md).
type FAQFileEntry struct {
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Keywords []string `json:"keywords,omitempty"`
}

// ParseFAQ reads the import format, refusing unknown fields and entries
// Check refuses.
func ParseFAQ(raw []byte) ([]store.FAQEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var file []FAQFileEntry
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%w: a JSON array of {\"question\", \"answer\", \"keywords\"}: %v", ErrInvalid, err)
	}
	entries := make([]store.FAQEntry, len(file))
	for i, e := range file {
		entries[i] = store.FAQEntry{Question: e.Question, Answer: e.Answer}
		if len(e.Keywords) > 0 {
			entries[i].Keywords = e.Keywords
		}
	}
	return entries, Check(entries)
}

// FileEntries is entries in the import format (what the admin API lists).
func FileEntries(entries []store.FAQEntry) []FAQFileEntry {
	out := make([]FAQFileEntry, len(entries))
	for i, e := range entries {
		out[i] = FAQFileEntry{Question: e.Question, Answer: e.Answer, Keywords: e.Keywords}
	}
	return out
}

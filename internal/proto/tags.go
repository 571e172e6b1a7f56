package proto

import "strings"

// Tag limits, reported to clients in the hi reply.
const (
	MaxTagCount  = 16
	MinTagLength = 2
	MaxTagLength = 96
)

// TagBasic is the namespace of the alias tag every basic account is found
// by: "basic:<login>". Clients cannot set tags in it; it follows the login.
const TagBasic = "basic:"

// NormalizeTags lowercases and trims tags, drops empty, too short or too
// long ones and those in the reserved basic namespace, removes duplicates
// and keeps at most MaxTagCount. Searching lowercases its terms the same
// way, so matching ignores case. A nil input stays nil ("unchanged"); any
// other input gives a non-nil slice, so an empty list clears the tags.
func NormalizeTags(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, tag := range in {
		tag = strings.ToLower(strings.TrimSpace(tag))
		n := len([]rune(tag))
		if n < MinTagLength || n > MaxTagLength || strings.HasPrefix(tag, TagBasic) || seen[tag] {
			continue
		}
		seen[tag] = true
		out = append(out, tag)
		if len(out) == MaxTagCount {
			break
		}
	}
	return out
}

// MaxSearchTerms bounds the terms of one fnd query: 16 words, each with its
// basic alias. Each term is a parameter of the search's SQL statement,
// twice, and SQLite takes 32,766; splitting a query of 16,000 words took
// 14 ms of CPU.
const MaxSearchTerms = 2 * MaxTagCount

// SearchTerms splits a fnd query ("alice, support bob") into lowercase
// terms, separated by spaces or commas, without duplicates. A term with no
// namespace also stands for the basic alias, so a user is found by login:
// "alice" matches the tag "alice" and the alias "basic:alice". It stops
// once it has more than MaxSearchTerms, so a caller refuses a query that
// is too long by the length of the result, at the cost of a short one.
func SearchTerms(query string) []string {
	fields := strings.FieldsFuncSeq(query, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n'
	})
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] && len(t) <= MaxTagLength+len(TagBasic) {
			seen[t] = true
			out = append(out, t)
		}
	}
	for f := range fields {
		if len(out) > MaxSearchTerms {
			break
		}
		f = strings.ToLower(f)
		if len([]rune(f)) < MinTagLength {
			continue
		}
		add(f)
		if !strings.Contains(f, ":") {
			add(TagBasic + f)
		}
	}
	return out
}

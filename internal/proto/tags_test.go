package proto

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeTags(t *testing.T) {
	long := strings.Repeat("x", MaxTagLength+1)
	many := make([]string, 0, 20)
	for i := range 20 {
		many = append(many, "tag"+string(rune('a'+i)))
	}
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{}, []string{}},
		{[]string{" Support ", "support", "EN", "x", long, "basic:mallory", ""}, []string{"support", "en"}},
		{many, many[:MaxTagCount]},
	} {
		got := NormalizeTags(tc.in)
		if !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("NormalizeTags(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSearchTerms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  , ", nil},
		{"Alice", []string{"alice", "basic:alice"}},
		{"support, email:a@b.c  x alice,alice", []string{"support", "basic:support", "email:a@b.c", "alice", "basic:alice"}},
	} {
		if got := SearchTerms(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

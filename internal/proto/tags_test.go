package proto

import (
	"slices"
	"strconv"
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

// A query of 16,000 words is not split whole: SearchTerms stops past
// MaxSearchTerms, so refusing it costs little.
func TestSearchTermsStopsPastTheBound(t *testing.T) {
	words := make([]string, 16000)
	for i := range words {
		words[i] = "w" + strconv.Itoa(i)
	}
	got := SearchTerms(strings.Join(words, " "))
	if len(got) <= MaxSearchTerms || len(got) > MaxSearchTerms+2 {
		t.Fatalf("SearchTerms of 16000 words gave %d terms, want just past %d", len(got), MaxSearchTerms)
	}
	if allocs := testing.AllocsPerRun(5, func() { SearchTerms(strings.Join(words, " ")) }); allocs > 200 {
		t.Fatalf("SearchTerms of 16000 words made %v allocations: it splits the whole query", allocs)
	}
}

package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var testRules = []Rule{
	{Word: "shit", Action: Mask, Scope: ScopeAll},
	{Word: "傻逼", Action: Mask, Scope: ScopeAll},
	{Word: "weixin", Action: Block, Scope: ScopeCustomer},
	{Word: "加微信", Action: Block, Scope: ScopeCustomer},
	{Word: "refund now", Action: Review, Scope: ScopeStaff},
	{Word: "he", Action: Mask, Scope: ScopeAll},
	{Word: "hers", Action: Mask, Scope: ScopeAll},
	{Word: "退款", Action: Review, Scope: ScopeAll},
}

// TestEvasions checks the usual evasions are seen through, and that
// innocent text is left alone.
func TestEvasions(t *testing.T) {
	rs := compile(testRules)
	cases := []struct {
		text   string
		staff  bool
		action string
		masked string // the text after masking, for mask
	}{
		{"all good here", false, Allow, ""},
		{"this is shit", false, Mask, "this is ****"},
		{"this is SHIT!", false, Mask, "this is ****!"},
		{"this is ｓｈｉｔ", false, Mask, "this is ****"},
		{"s h i t happens", false, Mask, "******* happens"},
		{"s.h-i_t", false, Mask, "*******"},
		{"s\u200bhit", false, Mask, "*****"},
		{"你是傻逼吗", false, Mask, "你是**吗"},
		{"你是傻 逼吗", false, Mask, "你是***吗"},
		{"你是傻　逼吗", false, Mask, "你是***吗"},
		{"你是傻*逼吗", false, Mask, "你是***吗"},
		{"this is ⓢⓗⓘⓣ", false, Mask, "this is ****"},
		{"this is 𝐬𝐡𝐢𝐭", false, Mask, "this is ****"},
		{"this is s\u0336h\u0336i\u0336t\u0336", false, Mask, "this is ********"},
		{"this is S\u200dH\u200cI\uFEFFT", false, Mask, "this is *******"},
		{"shitake mushrooms", false, Allow, ""}, // a Latin word matches whole words only
		{"add my w.e.i.x.i.n", false, Block, ""},
		{"add my ＷＥＩＸＩＮ", false, Block, ""},
		{"add my weixin", true, Allow, ""}, // customer-only rule, staff sender
		{"加 微 信 聊", false, Block, ""},
		{"please refund now", true, Review, ""},
		{"please refund now", false, Allow, ""}, // staff-only rule
		{"我要退款", false, Review, ""},
		{"我要退款, you shit", false, Review, ""}, // review outranks mask
		{"ushers", false, Allow, ""},
		{"he said hers", false, Mask, "** said ****"},
	}
	buf := &scanBuf{}
	for _, c := range cases {
		v := rs.check(c.text, c.staff, buf)
		if v.action != c.action {
			t.Errorf("%q (staff %v): %s %v, want %s", c.text, c.staff, v.action, v.words, c.action)
			continue
		}
		if c.masked != "" {
			if got := maskText(c.text, v.masks); got != c.masked {
				t.Errorf("%q masked = %q, want %q", c.text, got, c.masked)
			}
		}
	}
}

// TestMatcherAgainstNaive compares the automaton with a plain substring
// search over random texts.
func TestMatcherAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abc傻逼")
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := range 100 {
		var words []string
		var idx []int
		for i := range 1 + rng.IntN(8) {
			words = append(words, word(1+rng.IntN(4)))
			idx = append(idx, i)
		}
		text := []rune(word(30))
		m := newMatcher(words, idx)
		got := map[string]int{}
		m.find(text, func(h hit) { got[fmt.Sprint(h.start, h.end, words[h.rule])]++ })
		want := map[string]int{}
		seen := map[string]bool{}
		for i, w := range words {
			if seen[w] {
				continue // a repeated word reports its first rule
			}
			seen[w] = true
			wr := []rune(w)
			for s := 0; s+len(wr) <= len(text); s++ {
				if string(text[s:s+len(wr)]) == w {
					want[fmt.Sprint(s, s+len(wr)-1, words[i])]++
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: words %q text %q:\n got %v\nwant %v", round, words, string(text), got, want)
		}
	}
}

func TestRuleCheck(t *testing.T) {
	bad := []Rule{
		{Word: "x", Action: "delete"},
		{Word: "x", Action: Block, Scope: "everyone"},
		{Word: " x", Action: Block},
		{Word: "...", Action: Block},
		{Word: strings.Repeat("x", MaxWordLen+1), Action: Block},
		{Word: "\xff", Action: Block},
	}
	for _, r := range bad {
		if err := r.Check(); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	r := Rule{Word: "ok", Action: Mask}
	if err := r.Check(); err != nil || r.Scope != ScopeAll {
		t.Errorf("default scope: %+v, %v", r, err)
	}
}

func TestMaskDrafty(t *testing.T) {
	rs := compile(testRules)
	content := []byte(`{"txt":"you shit","fmt":[{"at":0,"len":3,"tp":"ST"}]}`)
	text := textOf(content)
	v := rs.check(text, false, &scanBuf{})
	got, err := withText(content, maskText(text, v.masks))
	if err != nil || string(got) != `{"fmt":[{"at":0,"len":3,"tp":"ST"}],"txt":"you ****"}` {
		t.Errorf("masked drafty = %s, %v", got, err)
	}
}

// benchRules makes n distinct words, half Chinese and half English.
func benchRules(n int) []Rule {
	rng := rand.New(rand.NewPCG(3, 4))
	rules := make([]Rule, 0, n)
	seen := map[string]bool{}
	for len(rules) < n {
		var b strings.Builder
		if len(rules)%2 == 0 {
			for range 2 + rng.IntN(3) {
				b.WriteRune(rune(0x4E00 + rng.IntN(3000)))
			}
		} else {
			for range 4 + rng.IntN(6) {
				b.WriteByte(byte('a' + rng.IntN(26)))
			}
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			rules = append(rules, Rule{Word: w, Action: Mask, Scope: ScopeAll})
		}
	}
	return rules
}

// benchText is a 200-character message mixing Chinese and English.
func benchText() string {
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	for n := 0; n < 200; n++ {
		if n%40 < 20 {
			b.WriteRune(rune(0x4E00 + rng.IntN(3000)))
		} else if n%6 == 5 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
	}
	return b.String()
}

// BenchmarkCheck200Chars10kWords is the policy's cost per message: one
// 200-character text against 10,000 rules (docs/benchmarks.md).
func BenchmarkCheck200Chars10kWords(b *testing.B) {
	rs := compile(benchRules(10000))
	text := benchText()
	buf := &scanBuf{}
	b.ReportAllocs()
	measureCPU(b, func() { rs.check(text, false, buf) })
}

package robot

import (
	"os"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// LoadFAQ reads an FAQ file in the import format, for tests.
func loadFAQ(t testing.TB, path string) []store.FAQEntry {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseFAQ(raw)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// matcher is a robot with two teams' FAQs and no workers.
func matcher(t testing.TB) *Robot {
	r := &Robot{cfg: Config{Threshold: DefaultThreshold, Misses: DefaultMisses}, indexes: map[string]*index{}}
	r.indexes["en"] = newIndex(loadFAQ(t, "testdata/faq_en.json"))
	r.indexes["zh"] = newIndex(loadFAQ(t, "testdata/faq_zh.json"))
	return r
}

// MatchCases are questions the way customers ask them, with the answer
// (an FAQ entry's first words) or "" for a suggestion.
var matchCases = []struct{ team, question, answer string }{
	{"en", "How do I return an item?", "You can return"},
	{"en", "i want a refund", "You can return"},
	{"en", "how can I send back these shoes", "You can return"},
	{"en", "how long until it arrives", "Standard shipping"},
	{"en", "is shipping free?", "Shipping is free"},
	{"en", "I forgot my PASSWORD", "Go to Account"},
	{"en", "can I pay with PayPal", "We accept"},
	{"en", "where is my order", "Open Orders"},
	{"en", "cancel order", "Orders can be"},
	{"en", "do you deliver overseas", "We ship to 40"},
	{"en", "what's the weather today", ""},
	{"zh", "怎么申请退货？", "收货后7天内"},
	{"zh", "我想退款", "收货后7天内"},
	{"zh", "多久能到货", "一般3到5天"},
	{"zh", "运费多少钱", "订单满99元"},
	{"zh", "包邮吗", "订单满99元"},
	{"zh", "我要改地址", "发货前可在"},
	{"zh", "可以用支付宝付款吗", "支持微信支付"},
	{"zh", "快递单号在哪里看", "在「我的订单」"},
	{"zh", "能开发票吗", "可以，下单时"},
	{"zh", "买的东西坏了怎么办", "请拍照后"},
	{"zh", "今天天气怎么样", ""},
	{"zh", "你们老板是谁", ""},
	{"en", "tell me a joke", ""},
}

func TestMatch(t *testing.T) {
	r := matcher(t)
	for _, c := range matchCases {
		d := r.Match(c.team, c.question)
		switch {
		case c.answer == "" && d.Kind != KindSuggest:
			t.Errorf("%q: %s %q (confidence %.2f), want a suggestion", c.question, d.Kind, d.Text, d.Confidence)
		case c.answer != "" && (d.Kind != KindAnswer || !startsWith(d.Text, c.answer)):
			t.Errorf("%q: %s %q (confidence %.2f), want the answer %q…", c.question, d.Kind, d.Text, d.Confidence, c.answer)
		}
		if d.Kind == KindSuggest && len(d.Suggestions) == 0 {
			t.Errorf("%q: a suggestion without questions", c.question)
		}
	}
}

func startsWith(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// TestSuggestionsAreQuestions: tapping a suggestion sends its question,
// which must then be answered with full confidence.
func TestSuggestionsAreQuestions(t *testing.T) {
	r := matcher(t)
	for _, team := range []string{"en", "zh"} {
		for _, e := range r.FAQ(team) {
			d := r.Match(team, e.Question)
			if d.Kind != KindAnswer || d.Text != e.Answer || d.Confidence != 1 {
				t.Errorf("%s %q: %s %q %.2f", team, e.Question, d.Kind, d.Text, d.Confidence)
			}
		}
	}
}

func TestWantsHuman(t *testing.T) {
	for q, want := range map[string]bool{"人工": true, "转人工客服": true, "human": true, "HUMAN please": true,
		"ＨＵＭＡＮ": true, "I want a human!": true, "humanity": false, "退货": false, "人": false} {
		if got := wantsHuman(q); got != want {
			t.Errorf("wantsHuman(%q) = %v", q, got)
		}
	}
}

func TestParseFAQ(t *testing.T) {
	for _, bad := range []string{`{}`, `[{"question":"q"}]`, `[{"question":"","answer":"a"}]`,
		`[{"question":"q","answer":"a","keywords":[""]}]`, `[{"question":"q","answer":"a","extra":1}]`, `nope`} {
		if _, err := ParseFAQ([]byte(bad)); err == nil {
			t.Errorf("ParseFAQ(%s): no error", bad)
		}
	}
	got, err := ParseFAQ([]byte(`[{"question":"q","answer":"a"},{"question":"r","answer":"b","keywords":["k"]}]`))
	if err != nil || len(got) != 2 || got[0].Keywords != nil || got[1].Keywords[0] != "k" {
		t.Errorf("ParseFAQ = %+v, %v", got, err)
	}
}

package robot

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Tokenizing. Chinese is written without spaces and a word segmenter needs
// a dictionary that would have to know the merchant's product names, so
// Han text is cut into its characters and overlapping character bigrams:
// "运费多少" is 运, 费, 多, 少, 运费, 费多, 多少. Any question sharing a
// two-character word shares its bigram, with no dictionary; the single
// characters catch one-character words (坏, 贵) and keep a partial match
// from scoring nothing, while BM25's idf keeps common characters cheap. Other letters and digits form words, split at everything
// else, with a crude plural folding ("returns" → "return") so the usual
// English inflection of FAQ questions still matches.

// folder lowercases and unifies full-width and compatibility forms, so
// "ＲＥＦＵＮＤ" and "refund" are the same word.
var folder = cases.Fold()

func normalize(s string) string { return norm.NFKC.String(folder.String(s)) }

// stopWords carry no meaning of their own in a question: leaving them out
// keeps "how do I" from matching every "how do I" entry.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "is": true, "are": true, "am": true, "do": true, "does": true,
	"did": true, "i": true, "you": true, "my": true, "your": true, "me": true, "to": true, "of": true,
	"in": true, "on": true, "for": true, "it": true, "and": true, "or": true, "be": true, "can": true,
	"could": true, "we": true, "our": true, "please": true, "hi": true, "hello": true, "there": true,
	"what": true, "how": true, "with": true, "this": true, "that": true, "at": true, "any": true,
	"would": true, "will": true, "when": true, "where": true, "which": true, "why": true, "should": true, "have": true, "has": true, "get": true,
}

// hanStop are Chinese particles that only mark a question or its mood.
var hanStop = map[rune]bool{'的': true, '了': true, '吗': true, '呢': true, '吧': true, '啊': true,
	'呀': true, '哦': true, '嘛': true, '么': true}

// tokens cuts text into terms: words for alphabetic scripts, bigrams for
// Han.
func tokens(text string) []string {
	text = strings.ReplaceAll(normalize(text), "请问", " ")
	var out []string
	var word []rune
	var han []rune
	flushWord := func() {
		if len(word) > 0 {
			if w := stem(string(word)); !stopWords[w] {
				out = append(out, w)
			}
			word = word[:0]
		}
	}
	flushHan := func() {
		for i := range han {
			out = append(out, string(han[i]))
			if i+1 < len(han) {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			if hanStop[r] {
				flushHan()
				continue
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word = append(word, r)
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

// stem folds the common English plural and possessive endings.
func stem(w string) string {
	w = strings.TrimSuffix(w, "'s")
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		return w[:len(w)-1]
	}
	return w
}

// hasHan reports whether s has Chinese characters: the robot's own words
// are then Chinese.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

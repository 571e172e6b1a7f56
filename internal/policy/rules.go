package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a rule does with a message that contains its word, and the
// verdicts of a Decision. Allow is only ever a verdict.
const (
	Allow  = "allow"
	Block  = "block"
	Mask   = "mask"
	Review = "review"
)

// Whose messages a rule applies to.
const (
	ScopeCustomer = "customer"
	ScopeStaff    = "staff"
	ScopeAll      = "all"
)

// MaxWordLen bounds a rule's word, in bytes.
const MaxWordLen = 256

// ErrInvalid wraps every refusal of a rule that is not well formed.
var ErrInvalid = errors.New("invalid rule")

// Rule is a word and what to do with messages that contain it.
type Rule struct {
	Word   string `json:"word"`
	Action string `json:"action"`
	Scope  string `json:"scope"`
}

// Check validates r, filling in the default scope (all).
func (r *Rule) Check() error {
	if r.Scope == "" {
		r.Scope = ScopeAll
	}
	switch r.Action {
	case Block, Mask, Review:
	default:
		return fmt.Errorf("%w: action %q: want block, mask or review", ErrInvalid, r.Action)
	}
	switch r.Scope {
	case ScopeCustomer, ScopeStaff, ScopeAll:
	default:
		return fmt.Errorf("%w: scope %q: want customer, staff or all", ErrInvalid, r.Scope)
	}
	return CheckWord(r.Word)
}

// CheckWord refuses words that could never match or are not text.
func CheckWord(w string) error {
	switch {
	case !utf8.ValidString(w):
		return fmt.Errorf("%w: the word is not UTF-8", ErrInvalid)
	case len(w) > MaxWordLen:
		return fmt.Errorf("%w: word of %d bytes, the limit is %d", ErrInvalid, len(w), MaxWordLen)
	case strings.TrimSpace(w) != w:
		return fmt.Errorf("%w: word %q has leading or trailing spaces", ErrInvalid, w)
	case normalizeWord(w) == "":
		return fmt.Errorf("%w: word %q has no letters or digits to match", ErrInvalid, w)
	}
	return nil
}

// appliesTo reports whether a rule of scope covers a sender.
func appliesTo(scope string, staff bool) bool {
	return scope == ScopeAll || (scope == ScopeStaff) == staff
}

// severity orders verdicts: the most severe of several wins.
func severity(action string) int {
	switch action {
	case Block:
		return 3
	case Review:
		return 2
	case Mask:
		return 1
	}
	return 0
}

// ruleSet is an immutable compiled list of rules; Engine swaps in a new
// one when the rules change, so checks never wait on an update.
type ruleSet struct {
	rules   []Rule
	matcher *matcher
}

func compile(rules []Rule) *ruleSet {
	words := make([]string, len(rules))
	idx := make([]int, len(rules))
	for i, r := range rules {
		words[i] = normalizeWord(r.Word)
		idx[i] = i
	}
	return &ruleSet{rules: rules, matcher: newMatcher(words, idx)}
}

// scanBuf is the memory a check reuses: where each kept rune of the text
// starts.
type scanBuf struct{ pos []int32 }

// wordVerdict is what the rules say of one text.
type wordVerdict struct {
	action string
	words  []string // the rules' words that decided, in order of first hit
	masks  [][2]int // byte ranges of the original text to mask
}

// check matches text against the rules that apply to the sender.
func (rs *ruleSet) check(text string, staff bool, buf *scanBuf) wordVerdict {
	var v wordVerdict
	v.action = Allow
	if len(rs.rules) == 0 || text == "" {
		return v
	}
	rs.matcher.scan(text, &buf.pos, func(h hit) {
		r := rs.rules[h.rule]
		if !appliesTo(r.Scope, staff) {
			return
		}
		start := int(buf.pos[h.start])
		_, n := utf8.DecodeRuneInString(text[buf.pos[h.end]:])
		end := markEnd(text, int(buf.pos[h.end])+n)
		if h.latin && (letterBefore(text, start) || letterAfter(text, end)) {
			return
		}
		if severity(r.Action) > severity(v.action) {
			v.action = r.Action
		}
		if r.Action == Mask {
			v.masks = append(v.masks, [2]int{start, end})
		}
		for _, w := range v.words {
			if w == r.Word {
				return
			}
		}
		v.words = append(v.words, r.Word)
	})
	return v
}

// markEnd extends a match over the combining marks that follow its last
// character: they belong to it, and masking must not leave them behind.
func markEnd(text string, end int) int {
	for end < len(text) {
		r, n := utf8.DecodeRuneInString(text[end:])
		if !unicode.Is(unicode.Mn, r) {
			break
		}
		end += n
	}
	return end
}

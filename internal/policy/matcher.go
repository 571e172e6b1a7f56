package policy

import (
	"slices"
	"sync"
	"unicode/utf8"
)

// foldTable is fold of every rune below 0x10000, computed once: it is a
// constant of Unicode, like the unicode package's own tables, and each
// rule set's alphabet table is made from it.
var foldTable = sync.OnceValue(func() []rune {
	t := make([]rune, 0x10000)
	for r := range t {
		t[r] = fold(rune(r))
	}
	return t
})

// matcher finds every occurrence of a set of words in a text in one pass:
// an Aho–Corasick automaton that folds the text (normalize.go) as it reads
// it. Runes are mapped to a compact alphabet of the folded runes that occur
// in some word, through a table built once per rule set, so the per-rune
// cost of folding is one array read; any rune outside the alphabet sends
// the automaton back to its root. The root's moves are a dense array (it
// is the busiest state); the other states' moves are sorted runs of one
// edge array, searched linearly, as they rarely have more than a few.
type matcher struct {
	// classLow maps original runes below 0x10000 to the alphabet class of
	// their folded form: 0 for runes in no word, skip for separators.
	// classHigh maps folded runes at or above 0x10000.
	classLow  []int32
	classHigh map[rune]int32
	root      []int32 // class → child of the root, 0 for none
	// The moves of state s are edgeClass/edgeNext[edgeStart[s]:edgeStart[s+1]].
	edgeStart []int32
	edgeClass []int32
	edgeNext  []int32
	fail      []int32 // longest proper suffix that is a state
	// word is the index in words of the word ending at a state, -1 for
	// none; dict the nearest state on the fail chain that ends a word.
	word  []int32
	dict  []int32
	words []matchWord
}

// skip is the class of separators, which the automaton steps over.
const skip = -1

// matchWord is one word of the automaton, with the rule it came from.
type matchWord struct {
	runes int // length in runes of the folded word
	latin bool
	rule  int
}

// hit is one occurrence: the kept (non-separator) runes [start, end] of
// the text matched the rule's word.
type hit struct {
	start, end int
	rule       int
	latin      bool // match only as a whole word of the original text
}

// trieEdge is a move while the trie is built.
type trieEdge struct{ from, class, to int32 }

func newMatcher(words []string, rules []int) *matcher {
	m := &matcher{classHigh: map[rune]int32{}}
	alphabet := map[rune]int32{}
	for _, w := range words {
		for _, r := range w {
			if alphabet[r] == 0 {
				alphabet[r] = int32(len(alphabet) + 1)
			}
		}
	}
	m.classLow = make([]int32, 0x10000)
	folded := foldTable()
	for r, f := range folded {
		switch {
		case f < 0:
			m.classLow[r] = skip
		case len(alphabet) > 0:
			m.classLow[r] = alphabet[f]
		}
	}
	for r, c := range alphabet {
		if r >= 0x10000 {
			m.classHigh[r] = c
		}
	}
	m.root = make([]int32, len(alphabet)+1)
	m.build(words, rules, alphabet)
	return m
}

// build makes the trie of words, then its fail and dict links.
func (m *matcher) build(words []string, rules []int, alphabet map[rune]int32) {
	children := map[[2]int32]int32{} // (state, class) → child
	m.word, m.fail, m.dict = []int32{-1}, []int32{0}, []int32{0}
	var edges []trieEdge
	for i, w := range words {
		rs := []rune(w)
		if len(rs) == 0 {
			continue
		}
		s := int32(0)
		for _, r := range rs {
			c := alphabet[r]
			next, ok := children[[2]int32{s, c}]
			if !ok {
				next = int32(len(m.word))
				m.word, m.fail, m.dict = append(m.word, -1), append(m.fail, 0), append(m.dict, 0)
				children[[2]int32{s, c}] = next
				edges = append(edges, trieEdge{s, c, next})
				if s == 0 {
					m.root[c] = next
				}
			}
			s = next
		}
		if m.word[s] < 0 { // a repeated word keeps its first rule
			m.word[s] = int32(len(m.words))
			m.words = append(m.words, matchWord{runes: len(rs), latin: latinWord(rs), rule: rules[i]})
		}
	}
	slices.SortFunc(edges, func(a, b trieEdge) int {
		if a.from != b.from {
			return int(a.from - b.from)
		}
		return int(a.class - b.class)
	})
	m.edgeStart = make([]int32, len(m.word)+1)
	for _, e := range edges {
		m.edgeStart[e.from+1]++
		m.edgeClass = append(m.edgeClass, e.class)
		m.edgeNext = append(m.edgeNext, e.to)
	}
	for s := 1; s < len(m.edgeStart); s++ {
		m.edgeStart[s] += m.edgeStart[s-1]
	}
	m.link()
}

// link computes fail and dict links breadth first.
func (m *matcher) link() {
	queue := []int32{0}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for e := m.edgeStart[s]; e < m.edgeStart[s+1]; e++ {
			c, child := m.edgeClass[e], m.edgeNext[e]
			queue = append(queue, child)
			if s == 0 {
				continue // children of the root fail to the root
			}
			f := m.fail[s]
			for {
				if n := m.next(f, c); n >= 0 {
					m.fail[child] = n
					break
				}
				if f == 0 {
					break
				}
				f = m.fail[f]
			}
			target := m.fail[child]
			if m.word[target] >= 0 {
				m.dict[child] = target
			} else {
				m.dict[child] = m.dict[target]
			}
		}
	}
}

// classOf maps a rune of the text to its class.
func (m *matcher) classOf(r rune) int32 {
	if r < 0x10000 {
		return m.classLow[r]
	}
	f := fold(r)
	switch {
	case f < 0:
		return skip
	case f < 0x10000: // 𝐬 folds to s
		return m.classLow[f]
	}
	return m.classHigh[f]
}

// next is the goto function: the child of s by class c, -1 for none.
func (m *matcher) next(s, c int32) int32 {
	if s == 0 {
		if n := m.root[c]; n > 0 {
			return n
		}
		return -1
	}
	for e := m.edgeStart[s]; e < m.edgeStart[s+1]; e++ {
		if m.edgeClass[e] == c {
			return m.edgeNext[e]
		}
	}
	return -1
}

// scan reads text, recording in pos where each kept rune starts (byte
// offset) and calling found for every occurrence of a word, in order of
// where they end. pos is reused.
func (m *matcher) scan(text string, pos *[]int32, found func(hit)) {
	*pos = (*pos)[:0]
	s := int32(0)
	for i, r := range text {
		if r == utf8.RuneError {
			s = 0
			continue
		}
		c := m.classOf(r)
		if c == skip {
			continue
		}
		k := len(*pos)
		*pos = append(*pos, int32(i))
		if c == 0 {
			s = 0
			continue
		}
		for {
			if n := m.next(s, c); n >= 0 {
				s = n
				break
			}
			if s == 0 {
				break
			}
			s = m.fail[s]
		}
		for o := s; o > 0; o = m.dict[o] {
			if w := m.word[o]; w >= 0 {
				mw := m.words[w]
				found(hit{start: k - mw.runes + 1, end: k, rule: mw.rule, latin: mw.latin})
			}
		}
	}
}

// find runs the automaton over already folded runes (tests and the
// review service's mask words use it through scan's logic).
func (m *matcher) find(runes []rune, found func(hit)) {
	var pos []int32
	m.scan(string(runes), &pos, found)
}

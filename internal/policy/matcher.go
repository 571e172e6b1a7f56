package policy

// matcher finds every occurrence of a set of words in a normalised text in
// one pass: an Aho–Corasick automaton. Runes are first mapped to a compact
// alphabet of the runes that occur in some word; any other rune sends the
// automaton back to its root at the cost of one array read, which is what
// most characters of an ordinary message do. The root's moves are a dense
// array (it is the busiest state); the others' are one hash map.
type matcher struct {
	// classLow maps runes below 0x10000 to their alphabet class, 0 for
	// runes in no word; classHigh the rest.
	classLow  []int32
	classHigh map[rune]int32
	root      []int32          // class → child of the root, 0 for none
	moves     map[uint64]int32 // state<<32 | class → next state
	fail      []int32          // longest proper suffix that is a state
	// word is the index in words of the word ending at a state, -1 for
	// none; dict the nearest state on the fail chain that ends a word.
	word  []int32
	dict  []int32
	words []matchWord
}

// matchWord is one word of the automaton, with the rule it came from.
type matchWord struct {
	runes int // length in runes of the normalised word
	latin bool
	rule  int
}

// hit is one occurrence: the normalised runes [start, end] matched the
// rule's word.
type hit struct {
	start, end int
	rule       int
	latin      bool // match only as a whole word of the original text
}

func newMatcher(words []string, rules []int) *matcher {
	m := &matcher{classLow: make([]int32, 0x10000), classHigh: map[rune]int32{},
		moves: map[uint64]int32{}, fail: []int32{0}, word: []int32{-1}, dict: []int32{0}}
	classes := int32(0)
	classOf := func(r rune) int32 {
		if c := m.class(r); c != 0 {
			return c
		}
		classes++
		if r < 0x10000 {
			m.classLow[r] = classes
		} else {
			m.classHigh[r] = classes
		}
		return classes
	}
	// Classes first, so the root's array has its final size.
	for _, w := range words {
		for _, r := range w {
			classOf(r)
		}
	}
	m.root = make([]int32, classes+1)
	for i, w := range words {
		rs := []rune(w)
		if len(rs) == 0 {
			continue
		}
		s := int32(0)
		for _, r := range rs {
			c := m.class(r)
			next := m.next(s, c)
			if next < 0 {
				next = int32(len(m.fail))
				m.fail, m.word, m.dict = append(m.fail, 0), append(m.word, -1), append(m.dict, 0)
				m.setMove(s, c, next)
			}
			s = next
		}
		if m.word[s] < 0 { // a repeated word keeps its first rule
			m.word[s] = int32(len(m.words))
			m.words = append(m.words, matchWord{runes: len(rs), latin: latinWord(rs), rule: rules[i]})
		}
	}
	m.link()
	return m
}

// link computes fail and dict links breadth first.
func (m *matcher) link() {
	children := make([][][2]int32, len(m.fail)) // state → (class, child)
	for c, child := range m.root {
		if child > 0 {
			children[0] = append(children[0], [2]int32{int32(c), child})
		}
	}
	for key, child := range m.moves {
		s := int32(key >> 32)
		children[s] = append(children[s], [2]int32{int32(uint32(key)), child})
	}
	queue := []int32{0}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range children[s] {
			c, child := e[0], e[1]
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

func (m *matcher) class(r rune) int32 {
	if r < 0x10000 {
		if r < 0 {
			return 0
		}
		return m.classLow[r]
	}
	return m.classHigh[r]
}

// next is the goto function: the child of s by class c, -1 for none.
func (m *matcher) next(s, c int32) int32 {
	if s == 0 {
		if int(c) < len(m.root) && m.root[c] > 0 {
			return m.root[c]
		}
		return -1
	}
	if n, ok := m.moves[uint64(s)<<32|uint64(uint32(c))]; ok {
		return n
	}
	return -1
}

func (m *matcher) setMove(s, c, next int32) {
	if s == 0 {
		m.root[c] = next
		return
	}
	m.moves[uint64(s)<<32|uint64(uint32(c))] = next
}

// find calls found for every occurrence of a word in runes, in order of
// where they end.
func (m *matcher) find(runes []rune, found func(hit)) {
	s := int32(0)
	for i, r := range runes {
		c := m.class(r)
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
				found(hit{start: i - mw.runes + 1, end: i, rule: mw.rule, latin: mw.latin})
			}
		}
	}
}

package policy

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold maps one rune to its matching form, or to -1 when it is a separator
// to be skipped: case is folded, full-width forms become their ASCII
// counterparts, and spaces, punctuation, symbols and invisible format
// characters (zero-width spaces and joiners) are dropped, so "Ｓ.h i-T"
// reads as "shit" and "傻　逼" as "傻逼".
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		switch {
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		}
		return -1 // ASCII space, punctuation, symbols, controls
	}
	switch {
	case 0x4E00 <= r && r <= 0x9FFF, 0x3400 <= r && r <= 0x4DBF: // CJK ideographs: common, and kept as they are
		return r
	case 0xFF01 <= r && r <= 0xFF5E: // full-width ASCII
		return fold(r - 0xFEE0)
	case r == 0x3000: // ideographic space
		return -1
	case 0xFF61 <= r && r <= 0xFF65: // half-width CJK punctuation
		return -1
	}
	// Compatibility forms that stand for one letter or digit — circled
	// (ⓢ), mathematical (𝐬), superscript, full-width — read as it.
	if k := compatible(r); k != r {
		return fold(k)
	}
	if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) ||
		unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.IsControl(r) {
		return -1
	}
	return unicode.ToLower(r)
}

// normalizeWord folds a rule's word the way texts are folded; the empty
// string means the word has nothing left to match.
func normalizeWord(w string) string {
	out := make([]rune, 0, len(w))
	for _, r := range w {
		if f := fold(r); f >= 0 {
			out = append(out, f)
		}
	}
	return string(out)
}

// latinWord reports whether a normalised word is all ASCII letters and
// digits: such words match only as whole words of the original text
// ("ass" does not match "class"), while CJK words match anywhere, having
// no spaces to delimit them.
func latinWord(w []rune) bool {
	for _, r := range w {
		if r >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// letterAt reports whether the original text has a letter or digit that
// ends at byte end (before) or starts at byte start (after); the edge of
// the text is no letter.
func letterBefore(text string, end int) bool {
	if end <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:end])
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || isFullWidthAlnum(r)
}

func letterAfter(text string, start int) bool {
	if start >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[start:])
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || isFullWidthAlnum(r)
}

func isFullWidthAlnum(r rune) bool {
	return (0xFF10 <= r && r <= 0xFF19) || (0xFF21 <= r && r <= 0xFF3A) || (0xFF41 <= r && r <= 0xFF5A)
}

// compatible is the one ASCII letter or digit that r's compatibility
// decomposition (NFKC) is, or r itself. Decompositions into several runes
// (ligatures such as "ﬁ") are left alone: folding maps one rune to one, so
// masking replaces the right characters.
func compatible(r rune) rune {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	k := norm.NFKC.Bytes(buf[:n])
	if len(k) == 1 && k[0] < utf8.RuneSelf && (unicode.IsLetter(rune(k[0])) || unicode.IsDigit(rune(k[0]))) {
		return rune(k[0])
	}
	return r
}

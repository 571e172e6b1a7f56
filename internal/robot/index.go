package robot

import (
	"math"
	"slices"

	"github.com/parley-im/parley/internal/store"
)

// BM25 parameters: the usual ones. k1 bounds how much repeating a term
// counts; b how much a long entry is penalised for its length.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// keywordWeight: a keyword counts as the question's words repeated
	// this often, since the merchant chose it to match.
	keywordWeight = 2
)

type posting struct {
	entry int
	tf    int
}

// index is an immutable BM25 index of one team's FAQ. Each entry is
// indexed by its question and keywords (not the answer: answers are long
// and talk about everything, which would make every entry match).
type index struct {
	entries []store.FAQEntry
	// postings lists, per term, the entries having it and how often:
	// a question costs the entries sharing its terms, not all of them.
	postings map[string][]posting
	lens     []float64
	avgLen   float64
	df       map[string]int
	maxIDF   float64 // the idf of a term in one entry; terms in none weigh this much
}

func newIndex(entries []store.FAQEntry) *index {
	ix := &index{entries: entries, df: map[string]int{}, postings: map[string][]posting{}}
	var total float64
	for _, e := range entries {
		tf := map[string]int{}
		n := 0
		for _, t := range tokens(e.Question) {
			tf[t]++
			n++
		}
		for _, k := range e.Keywords {
			for _, t := range tokens(k) {
				tf[t] += keywordWeight
				n += keywordWeight
			}
		}
		for t, f := range tf {
			ix.df[t]++
			ix.postings[t] = append(ix.postings[t], posting{entry: len(ix.lens), tf: f})
		}
		ix.lens = append(ix.lens, float64(n))
		total += float64(n)
	}
	if len(entries) > 0 {
		ix.avgLen = total / float64(len(entries))
	}
	ix.maxIDF = ix.idfOf(1)
	return ix
}

// idfOf is BM25's idf (the variant that is never negative) of a term in
// df entries.
func (ix *index) idfOf(df int) float64 {
	n := float64(len(ix.entries))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

func (ix *index) idf(term string) float64 {
	if df := ix.df[term]; df > 0 {
		return ix.idfOf(df)
	}
	return ix.maxIDF
}

// unknownShare is how much a question's term that no entry has counts
// against the confidence, relative to the rarest known term: such words
// ("these shoes", "我想") are often filler around a question the FAQ does
// answer, but a question made only of them is not one it answers.
const unknownShare = 0.3

// hit is one ranked entry.
type hit struct {
	entry int
	score float64 // BM25
	// confidence is the share of the question's weight (idf) the entry
	// covers, 0 to 1: BM25 scores have no fixed scale, so the threshold
	// is set on this instead.
	confidence float64
}

// search ranks the entries sharing a term with question, best first, at
// most limit.
func (ix *index) search(question string, limit int) []hit {
	terms := unique(tokens(question))
	var weight float64
	for _, t := range terms {
		if ix.df[t] > 0 {
			weight += ix.idf(t)
		} else {
			weight += unknownShare * ix.maxIDF
		}
	}
	if weight == 0 {
		return nil
	}
	score := map[int]float64{}
	covered := map[int]float64{}
	for _, t := range terms {
		idf := ix.idf(t)
		for _, p := range ix.postings[t] {
			f := float64(p.tf)
			covered[p.entry] += idf
			score[p.entry] += idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*ix.lens[p.entry]/ix.avgLen))
		}
	}
	hits := make([]hit, 0, len(score))
	for i, sc := range score {
		hits = append(hits, hit{entry: i, score: sc, confidence: covered[i] / weight})
	}
	// Ties go to the earlier entry, so the order is deterministic.
	slices.SortFunc(hits, func(a, b hit) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.entry - b.entry
	})
	return hits[:min(len(hits), limit)]
}

func unique(terms []string) []string {
	seen := make(map[string]bool, len(terms))
	out := terms[:0:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

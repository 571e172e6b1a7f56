package loadtest

import "math/bits"

// bitset is a growable set of non-negative ints.
type bitset []uint64

func (b *bitset) set(i int) {
	w := i / 64
	if w >= len(*b) {
		n := make([]uint64, w+1+len(*b)/2)
		copy(n, *b)
		*b = n
	}
	(*b)[w] |= 1 << uint(i%64)
}

func (b bitset) has(i int) bool {
	w := i / 64
	return i >= 0 && w < len(b) && b[w]&(1<<uint(i%64)) != 0
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// missing counts the members of want that are not in b.
func (b bitset) missing(want bitset) int {
	n := 0
	for i, w := range want {
		var have uint64
		if i < len(b) {
			have = b[i]
		}
		n += bits.OnesCount64(w &^ have)
	}
	return n
}

// Checker is one receiver's view of one topic. It deduplicates by seq and
// classifies every {data} it is shown:
//
//   - a seq seen before is Redelivered (the server retransmitted it; a client
//     drops it by seq, so it is never shown twice);
//   - a new seq carrying a message (sender counter n) already shown under
//     another seq is a Duplicate: a client deduplicating by seq shows it twice;
//   - a new seq below the highest seen so far is OutOfOrder;
//   - Lost is computed at the end: seqs the server acknowledged (ctrl 202)
//     that never arrived.
type Checker struct {
	seen    bitset
	seenN   bitset
	max     int
	contig  int // every seq from the first seen one up to contig was seen
	started bool

	Fresh       int64
	Redelivered int64
	Duplicates  int64
	OutOfOrder  int64
}

// Observe records a {data} with seq and sender counter n (n < 0 when the
// content carries none). It reports whether the seq is new.
func (c *Checker) Observe(seq, n int) bool {
	if seq <= 0 {
		return false
	}
	if c.seen.has(seq) {
		c.Redelivered++
		return false
	}
	c.seen.set(seq)
	if n >= 0 {
		if c.seenN.has(n) {
			c.Duplicates++
		} else {
			c.seenN.set(n)
		}
	}
	if seq < c.max {
		c.OutOfOrder++
	} else {
		c.max = seq
	}
	if !c.started {
		c.started = true
		c.contig = seq - 1
	}
	for c.seen.has(c.contig + 1) {
		c.contig++
	}
	c.Fresh++
	return true
}

// Contiguous is the highest seq up to which everything from the first seen
// seq arrived: what the receiver acknowledges.
func (c *Checker) Contiguous() int { return c.contig }

// Max is the highest seq seen.
func (c *Checker) Max() int { return c.max }

// Lost counts the acknowledged seqs that never arrived.
func (c *Checker) Lost(acked bitset) int64 { return int64(c.seen.missing(acked)) }

// Has reports whether seq arrived.
func (c *Checker) Has(seq int) bool { return c.seen.has(seq) }

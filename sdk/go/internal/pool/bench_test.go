package pool

import (
	"fmt"
	"testing"
	"time"
)

const benchSize = 100_000

func filled(n int) *Pool {
	p := New()
	now := time.Now()
	for seq := 1; seq <= n; seq++ {
		p.Insert(NewRemote("t", fmt.Sprint("m", seq), "peer", false, seq*2, now, nil, nil))
	}
	return p
}

// BenchmarkInsertAppend: a live message arriving at the end of 100,000.
func BenchmarkInsertAppend(b *testing.B) {
	p, now := filled(benchSize), time.Now()
	seq := benchSize * 2
	for b.Loop() {
		seq++
		p.Insert(NewRemote("t", "", "peer", false, seq, now, nil, nil))
	}
}

// BenchmarkInsertMiddle: a gap-filled message landing in the middle of
// 100,000 (each insert is then removed again to keep the size fixed).
func BenchmarkInsertMiddle(b *testing.B) {
	p, now := filled(benchSize), time.Now()
	i := 0
	for b.Loop() {
		i++
		m := NewRemote("t", "", "peer", false, benchSize+1+2*(i%1000), now, nil, nil)
		p.Insert(m)
		p.drop(m)
	}
}

// BenchmarkLookupSeq: binary search by seq in 100,000.
func BenchmarkLookupSeq(b *testing.B) {
	p := filled(benchSize)
	i := 0
	for b.Loop() {
		i++
		if p.BySeq(2*(1+i%benchSize)) == nil {
			b.Fatal("missing")
		}
	}
}

// BenchmarkDuplicate: a repeated delivery recognised by seq among 100,000.
func BenchmarkDuplicate(b *testing.B) {
	p, now := filled(benchSize), time.Now()
	i := 0
	for b.Loop() {
		i++
		if r, _ := p.Insert(NewRemote("t", "", "peer", false, 2*(1+i%benchSize), now, nil, nil)); r != Duplicate {
			b.Fatal("not deduplicated")
		}
	}
}

// BenchmarkSendConfirm: a local send and its ack on top of 100,000.
func BenchmarkSendConfirm(b *testing.B) {
	p, now := filled(benchSize), time.Now()
	seq := benchSize * 2
	for b.Loop() {
		seq++
		id := fmt.Sprint("l", seq)
		p.AddLocal(NewLocal("t", id, "me", nil, now))
		p.Confirm(id, seq, now)
	}
}

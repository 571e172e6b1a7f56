package seqtrack

import "testing"

func TestGapsAndFloor(t *testing.T) {
	tr := New()
	tr.Start(3)
	tr.Exists(10)
	if lo, hi, ok := tr.Gap(); !ok || lo != 4 || hi != 11 {
		t.Fatalf("gap %d..%d %v", lo, hi, ok)
	}
	tr.Add(4)
	tr.Add(5)
	tr.Add(8)
	if tr.Floor() != 5 {
		t.Fatalf("floor %d", tr.Floor())
	}
	if lo, hi, ok := tr.Gap(); !ok || lo != 6 || hi != 8 {
		t.Fatalf("gap %d..%d", lo, hi)
	}
	tr.Covered(6, 8) // 6 and 7 were deleted: the fetch came back without them
	if _, _, ok := tr.Gap(); !ok || tr.Floor() != 8 {
		t.Fatalf("floor %d", tr.Floor())
	}
	tr.Add(9)
	tr.Add(10)
	if _, _, ok := tr.Gap(); ok {
		t.Fatal("gap after everything arrived")
	}
	if s, ok := tr.AckDue(); !ok || s != 10 {
		t.Fatalf("ack %d", s)
	}
	tr.Acked(10)
	if _, ok := tr.AckDue(); ok {
		t.Fatal("ack due twice")
	}
	if tr.Add(9) {
		t.Fatal("duplicate seq counted as new")
	}
}

func TestGapIsCapped(t *testing.T) {
	tr := New()
	tr.Start(0)
	tr.Exists(1000)
	if lo, hi, _ := tr.Gap(); lo != 1 || hi != 1+MaxSpan {
		t.Fatalf("gap %d..%d", lo, hi)
	}
}

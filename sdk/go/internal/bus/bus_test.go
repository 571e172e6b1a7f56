package bus

import "testing"

func TestOrderAndUnsubscribe(t *testing.T) {
	b := New[int]()
	got := make(chan int, 100)
	unsub := b.Subscribe(func(v int) { got <- v })
	for i := range 50 {
		b.Publish(i)
	}
	for i := range 50 {
		if v := <-got; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	unsub()
	unsub() // harmless twice
	b.Publish(99)
	b.Close()
	b.Publish(100)
	select {
	case v := <-got:
		t.Fatalf("delivered %d after unsubscribe", v)
	default:
	}
}

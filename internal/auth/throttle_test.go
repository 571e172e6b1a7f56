package auth

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// clock is a settable time for throttle tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// A key may fail burst times at once, then once per interval; other keys
// are unaffected, and a refilled key is forgotten.
func TestThrottle(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := NewThrottle(3, 10*time.Second)
	th.now = c.now
	for i := 0; i < 3; i++ {
		if w := th.Wait("a"); w != 0 {
			t.Fatalf("failure %d: wait %v, want none", i+1, w)
		}
		th.Fail("a")
	}
	if w := th.Wait("a"); w != 10*time.Second {
		t.Fatalf("after the burst: wait %v, want 10s", w)
	}
	if w := th.Wait("b"); w != 0 {
		t.Fatalf("another key waits %v", w)
	}
	c.t = c.t.Add(4 * time.Second)
	if w := th.Wait("a"); w != 6*time.Second {
		t.Fatalf("4s later: wait %v, want 6s", w)
	}
	c.t = c.t.Add(6 * time.Second)
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("an interval later: wait %v, want none", w)
	}
	th.Fail("a")
	if w := th.Wait("a"); w != 10*time.Second {
		t.Fatalf("one failure per interval: wait %v, want 10s", w)
	}
	if th.Clean("a") || !th.Clean("b") {
		t.Fatal("Clean: a failed key is clean, or one that never failed is not")
	}
	c.t = c.t.Add(time.Minute)
	if !th.Clean("a") || th.Len() != 0 {
		t.Fatalf("a refilled key is kept: %d keys", th.Len())
	}
	var none *Throttle
	none.Fail("x")
	if none.Wait("x") != 0 {
		t.Fatal("a nil throttle waits")
	}
}

// A flood of distinct keys cannot grow a throttle past its bound.
func TestThrottleBounded(t *testing.T) {
	th := NewThrottle(1, time.Hour)
	th.max = 100
	for i := 0; i < 1000; i++ {
		th.Fail(string(rune('a'+i%26)) + string(rune(i)))
	}
	if n := th.Len(); n > 100 {
		t.Fatalf("%d keys kept, bound 100", n)
	}
}

// With every worker busy, a password check waits for one instead of
// starting another bcrypt, and gives up when its context ends.
func TestPasswordsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPasswords(1)
		hash, err := HashPassword("secret", MinPasswordCost)
		if err != nil {
			t.Fatal(err)
		}
		p.slots <- struct{}{} // the one worker is busy
		done := make(chan bool, 1)
		go func() {
			ok, _ := p.Check(context.Background(), hash, "secret")
			done <- ok
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("a check ran while every worker was busy")
		default:
		}
		p.release()
		if ok := <-done; !ok {
			t.Fatal("the check failed once a worker was free")
		}
		p.slots <- struct{}{}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := p.Check(ctx, hash, "secret"); err == nil {
			t.Fatal("a check waited past its context")
		}
	})
}

package session

import (
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

func TestOutboxForgetsFramesItHandedOut(t *testing.T) {
	o := newOutbox(1 << 10)
	for _, s := range []string{"a", "b", "c"} {
		o.push([]byte(s))
	}
	array := o.frames[:cap(o.frames)] // the queue's backing array
	got, _ := o.drain(1)
	if len(got) != 1 || string(got[0]) != "a" {
		t.Fatalf("drain(1) = %q", got)
	}
	if array[0] != nil {
		t.Error("the queue still references a frame it handed out")
	}
	got, _ = o.drain(0)
	if len(got) != 2 || string(got[0]) != "b" || string(got[1]) != "c" {
		t.Fatalf("drain(0) = %q", got)
	}
	if o.frames != nil || o.size != 0 {
		t.Errorf("after a full drain frames=%v size=%d, want nil and 0", o.frames, o.size)
	}
}

func TestOutboxWake(t *testing.T) {
	o := newOutbox(1 << 10)
	o.push([]byte("early"))
	woken := 0
	o.setWake(func() { woken++ })
	if woken != 1 {
		t.Fatalf("frames queued before setWake: woken %d times, want 1", woken)
	}
	o.drain(0)
	o.push([]byte("later"))
	o.close(proto.DisconnectShutdown)
	if woken != 3 {
		t.Fatalf("woken %d times, want 3 (setWake, push, close)", woken)
	}
	select {
	case <-o.ready:
	default:
		t.Fatal("ready is not signalled before wake")
	}
	if frames, bye := o.drain(0); len(frames) != 1 || bye == nil || *bye != proto.DisconnectShutdown {
		t.Fatalf("drain = %q, %v", frames, bye)
	}
}

func TestOutboxWakeNotCalledWhenEmpty(t *testing.T) {
	o := newOutbox(1 << 10)
	woken := 0
	o.setWake(func() { woken++ })
	if woken != 0 {
		t.Fatalf("woken %d times for an empty outbox", woken)
	}
}

func TestWindowForgetsAcknowledgedFrames(t *testing.T) {
	w, _, _ := testWindow(time.Hour, 3)
	defer w.stop()
	for seq := 1; seq <= 4; seq++ {
		track(w, frame("grpA", seq))
	}
	tw := w.topics["grpA"]
	array := tw.pending[:cap(tw.pending)] // the window's backing array
	w.ack("grpA", 2)
	if array[0] != nil || array[1] != nil {
		t.Error("an acknowledged frame is still referenced")
	}
	w.ackRange("grpA", 3, 4) // releases seq 3, keeps 4 (moved to array[2])
	if len(tw.pending) != 1 || tw.pending[0].frame.Seq != 4 || array[3] != nil {
		t.Errorf("after ackRange: pending %d, released tail still referenced: %v", len(tw.pending), array[3] != nil)
	}
	w.ack("grpA", 4)
	if tw.pending != nil {
		t.Errorf("after acking everything pending = %v, want nil", tw.pending)
	}
}

// pushAll queues a batch in order with one wake; a batch that does not fit
// closes the outbox as a slow consumer, like the push that would overflow.
func TestOutboxPushAll(t *testing.T) {
	o := newOutbox(8)
	woken := 0
	o.setWake(func() { woken++ })
	if !o.pushAll([][]byte{[]byte("ab"), []byte("cd")}, nil) {
		t.Fatal("pushAll refused a batch that fits")
	}
	if woken != 1 {
		t.Fatalf("woken %d times for one batch, want 1", woken)
	}
	got, _ := o.drain(0)
	if len(got) != 2 || string(got[0]) != "ab" || string(got[1]) != "cd" {
		t.Fatalf("drain = %q, want [ab cd]", got)
	}
	// An empty outbox takes a batch larger than the limit: its client has
	// read everything so far. One more batch that does not fit behind it
	// closes the outbox.
	if !o.pushAll([][]byte{[]byte("12345"), []byte("6789")}, nil) {
		t.Fatal("pushAll refused a batch into an empty outbox")
	}
	if o.pushAll([][]byte{[]byte("x")}, nil) {
		t.Fatal("pushAll accepted a batch over the limit behind queued frames")
	}
	if got, bye := o.drain(0); len(got) != 0 || bye == nil || *bye != proto.DisconnectSlow {
		t.Fatalf("after overflow drain = %q, %v; want nothing and slow consumer", got, bye)
	}
}

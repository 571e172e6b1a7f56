package session

import (
	"reflect"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// A recv mark is stale once the session passed on one as high; marks above
// everything the session was sent are passed on but not remembered, so a
// report of a rolled-back history does not hide the marks after it.
func TestWindowStaleRecv(t *testing.T) {
	w, _, _ := testWindow(time.Hour, 3)
	defer w.stop()
	if !w.freshRecv("grpA", 5) {
		t.Fatal("a mark on a topic never sent anything was stale")
	}
	w.trackAll([]hub.Frame{frame("grpA", 10)})
	w.forwardedRecv("grpA", 7)
	for seq, fresh := range map[int]bool{6: false, 7: false, 8: true} {
		if got := w.freshRecv("grpA", seq); got != fresh {
			t.Errorf("recv %d after 7: fresh %v, want %v", seq, got, fresh)
		}
	}
	w.forwardedRecv("grpA", 500) // beyond what was sent: not remembered
	if !w.freshRecv("grpA", 9) {
		t.Fatal("a mark above an unremembered report was stale")
	}
	w.detached("grpA")
	if !w.freshRecv("grpA", 3) {
		t.Fatal("marks were remembered across a detach")
	}
}

func TestMergeAcks(t *testing.T) {
	in := []proto.MsgTopicAck{
		{Topic: "a", Seq: 3}, {Topic: "b", Seq: 9}, {Topic: "a", Seq: 7},
		{Topic: "a", Seq: 5, Ranges: []proto.MsgDelRange{{Low: 20}}}, {Topic: "b", Seq: 1},
	}
	want := []proto.MsgTopicAck{
		{Topic: "a", Seq: 7, Ranges: []proto.MsgDelRange{{Low: 20}}}, {Topic: "b", Seq: 9},
	}
	if got := mergeAcks(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("merged %+v, want %+v", got, want)
	}
}

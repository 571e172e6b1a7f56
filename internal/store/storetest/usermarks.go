package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// testMarks runs for stores that implement store.Marks.
func testMarks(t *testing.T, open Opener) {
	s := fresh(t, open)
	ms, ok := s.(store.Marks)
	if !ok {
		t.Skip("the store does not implement store.Marks")
	}
	ctx := t.Context()
	mustCreateTopic(t, s, grpA, alice, carol)
	mustCreateTopic(t, s, grpB, alice)
	set := func(user proto.Uid, topic string, seq int, mark string, on bool, max int) (bool, error) {
		t.Helper()
		return ms.SetMark(ctx, user, topic, store.Mark{Seq: seq, Mark: mark}, on, max)
	}
	list := func(user proto.Uid, topic string) []store.Mark {
		t.Helper()
		got, err := ms.ListMarks(ctx, user, topic)
		if err != nil {
			t.Fatalf("ListMarks: %v", err)
		}
		return got
	}
	for _, c := range []struct {
		user  proto.Uid
		topic string
		seq   int
		mark  string
	}{{alice, grpA, 7, "star"}, {alice, grpA, 3, "flag"}, {alice, grpA, 3, "star"}, {carol, grpA, 3, "star"}, {alice, grpB, 1, "flag"}} {
		if changed, err := set(c.user, c.topic, c.seq, c.mark, true, 3); !changed || err != nil {
			t.Fatalf("SetMark %+v = %v, %v; want a change", c, changed, err)
		}
	}
	want := []store.Mark{{Seq: 3, Mark: "flag"}, {Seq: 3, Mark: "star"}, {Seq: 7, Mark: "star"}}
	if got := list(alice, grpA); !reflect.DeepEqual(got, want) {
		t.Errorf("alice's marks on A = %+v, want %+v (by seq, then mark; not carol's or B's)", got, want)
	}
	if got := list(carol, grpA); !reflect.DeepEqual(got, []store.Mark{{Seq: 3, Mark: "star"}}) {
		t.Errorf("carol's marks on A = %+v, want her own star only", got)
	}
	// Setting a set mark changes nothing and is allowed at the limit.
	if changed, err := set(alice, grpA, 7, "star", true, 3); changed || err != nil {
		t.Errorf("SetMark again = %v, %v; want no change, no error", changed, err)
	}
	if _, err := set(alice, grpA, 9, "star", true, 3); !errors.Is(err, store.ErrLimit) {
		t.Errorf("SetMark past the limit: %v, want ErrLimit", err)
	}
	if changed, err := set(alice, grpA, 3, "flag", false, 3); !changed || err != nil {
		t.Errorf("clearing a mark = %v, %v; want a change", changed, err)
	}
	if changed, err := set(alice, grpA, 3, "flag", false, 3); changed || err != nil {
		t.Errorf("clearing it again = %v, %v; want no change, no error", changed, err)
	}
	if changed, err := set(alice, grpA, 9, "star", true, 3); !changed || err != nil {
		t.Errorf("SetMark under the limit again = %v, %v", changed, err)
	}
	if _, err := set(alice, "grpNOPE", 1, "star", true, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetMark on an unknown topic: %v, want ErrNotFound", err)
	}
	if got := list(bob, grpA); len(got) != 0 {
		t.Errorf("bob's marks = %+v, want none", got)
	}
	if err := s.DeleteTopic(ctx, grpA); err != nil {
		t.Fatal(err)
	}
	mustCreateTopic(t, s, grpA, alice)
	if got := list(alice, grpA); len(got) != 0 {
		t.Errorf("marks of a recreated topic = %+v, want none", got)
	}
	if got := list(alice, grpB); len(got) != 1 {
		t.Errorf("marks on B after A was deleted = %+v, want one", got)
	}
}

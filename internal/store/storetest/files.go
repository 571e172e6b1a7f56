package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

func newFile(id string, owner proto.Uid, sec int) *store.File {
	return &store.File{ID: id, Owner: owner, CreatedAt: at(sec), MimeType: "image/png", Size: 1234,
		Name: "parcel.png", Width: 640, Height: 480}
}

func testFiles(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s := fresh(t, open)
		f := newFile("f1", carol, 0)
		if err := s.CreateFile(t.Context(), f); err != nil {
			t.Fatalf("CreateFile: %v", err)
		}
		got, err := s.GetFile(t.Context(), "f1")
		if err != nil {
			t.Fatalf("GetFile: %v", err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("GetFile = %+v, want %+v", got, f)
		}
		if err := s.CreateFile(t.Context(), newFile("f1", bob, 1)); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateFile with a taken id: %v, want ErrDuplicate", err)
		}
		if _, err := s.GetFile(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFile(unknown): %v, want ErrNotFound", err)
		}
	})
	t.Run("Link", func(t *testing.T) {
		s := fresh(t, open)
		mustCreateTopic(t, s, grpA, alice, bob)
		mustCreateTopic(t, s, grpB, bob)
		mustCreateFile(t, s, newFile("a1", alice, 0))
		mustCreateFile(t, s, newFile("b1", bob, 0))
		// bob cannot link alice's file, nor a file that does not exist.
		if n, err := s.LinkFiles(t.Context(), grpB, bob, []string{"a1", "zz"}); err != nil || n != 0 {
			t.Errorf("LinkFiles(someone else's) = %d, %v; want 0, nil", n, err)
		}
		if n, err := s.LinkFiles(t.Context(), grpA, alice, []string{"a1"}); err != nil || n != 1 {
			t.Errorf("LinkFiles(own) = %d, %v; want 1, nil", n, err)
		}
		// Re-sending a file already in the topic is allowed for anyone
		// there, and links nothing new.
		if n, err := s.LinkFiles(t.Context(), grpA, bob, []string{"a1", "b1"}); err != nil || n != 2 {
			t.Errorf("LinkFiles(resend) = %d, %v; want 2, nil", n, err)
		}
		// ... but not into another topic.
		if n, _ := s.LinkFiles(t.Context(), grpB, bob, []string{"a1"}); n != 0 {
			t.Errorf("bob forwarded alice's file into grpB: %d linked", n)
		}
		if _, err := s.LinkFiles(t.Context(), grpC, alice, []string{"a1"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LinkFiles(unknown topic): %v, want ErrNotFound", err)
		}
		f := mustGetFile(t, s, "a1")
		if !reflect.DeepEqual(f.Topics, []string{grpA}) {
			t.Errorf("a1 topics = %v, want [%s]", f.Topics, grpA)
		}
	})
	t.Run("Pending", func(t *testing.T) {
		s := fresh(t, open)
		mustCreateTopic(t, s, grpA, alice)
		mustCreateFile(t, s, newFile("a1", alice, 0))
		mustCreateFile(t, s, newFile("a2", alice, 10))
		mustCreateFile(t, s, newFile("a3", alice, 20))
		mustCreateFile(t, s, newFile("b1", bob, 5))
		if _, err := s.LinkFiles(t.Context(), grpA, alice, []string{"a2"}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PendingFiles(t.Context(), alice); err != nil || n != 2 {
			t.Errorf("PendingFiles(alice) = %d, %v; want 2", n, err)
		}
		ids, err := s.UnlinkedFiles(t.Context(), at(20), 10)
		if err != nil || !reflect.DeepEqual(ids, []string{"a1", "b1"}) {
			t.Errorf("UnlinkedFiles(before 20s) = %v, %v; want [a1 b1]", ids, err)
		}
		if ids, _ := s.UnlinkedFiles(t.Context(), at(60), 1); !reflect.DeepEqual(ids, []string{"a1"}) {
			t.Errorf("UnlinkedFiles(limit 1) = %v, want [a1]", ids)
		}
	})
	t.Run("TopicDeleted", func(t *testing.T) {
		s := fresh(t, open)
		mustCreateTopic(t, s, grpA, alice)
		mustCreateFile(t, s, newFile("a1", alice, 0))
		if _, err := s.LinkFiles(t.Context(), grpA, alice, []string{"a1"}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTopic(t.Context(), grpA); err != nil {
			t.Fatal(err)
		}
		if ids, _ := s.UnlinkedFiles(t.Context(), at(60), 10); !reflect.DeepEqual(ids, []string{"a1"}) {
			t.Errorf("after the topic's deletion UnlinkedFiles = %v, want [a1]", ids)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := fresh(t, open)
		mustCreateTopic(t, s, grpA, alice)
		mustCreateFile(t, s, newFile("a1", alice, 0))
		if _, err := s.LinkFiles(t.Context(), grpA, alice, []string{"a1"}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteFile(t.Context(), "a1"); err != nil {
			t.Fatalf("DeleteFile: %v", err)
		}
		if _, err := s.GetFile(t.Context(), "a1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFile after DeleteFile: %v, want ErrNotFound", err)
		}
		if err := s.DeleteFile(t.Context(), "a1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteFile twice: %v, want ErrNotFound", err)
		}
		// The id is free again, with no link left over.
		mustCreateFile(t, s, newFile("a1", alice, 0))
		if f := mustGetFile(t, s, "a1"); len(f.Topics) != 0 {
			t.Errorf("a recreated file kept links %v", f.Topics)
		}
	})
}

func mustCreateFile(t *testing.T, s store.Store, f *store.File) {
	t.Helper()
	if err := s.CreateFile(t.Context(), f); err != nil {
		t.Fatalf("CreateFile(%s): %v", f.ID, err)
	}
}

func mustGetFile(t *testing.T, s store.Store, id string) *store.File {
	t.Helper()
	f, err := s.GetFile(t.Context(), id)
	if err != nil {
		t.Fatalf("GetFile(%s): %v", id, err)
	}
	return f
}

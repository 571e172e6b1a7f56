package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// createTopic stores topic with uid as its one member.
func createTopic(t *testing.T, s *Store, topic string, uid proto.Uid) {
	t.Helper()
	sub := store.Subscription{Topic: topic, User: uid, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
	if err := s.CreateTopic(context.Background(), &store.Topic{Name: topic}, []store.Subscription{sub}); err != nil {
		t.Fatal(err)
	}
}

// appendSeq appends one message to topic and returns its seq.
func appendSeq(t *testing.T, s *Store, topic string) int {
	t.Helper()
	res, err := s.Append(context.Background(), []*store.Message{{Topic: topic, From: 1, Content: []byte(`"x"`)}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("Append: %v %+v", err, res)
	}
	return res[0].SeqID
}

// Appends start from the seqs the committer committed instead of reading
// them again, and what may have changed topics otherwise (a topic deleted
// and created again under its name, as one-to-one topics are; a failed
// request) makes the next transaction read them from the database.
func TestCommittedSeqs(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	topic := proto.GroupName(7)
	createTopic(t, s, topic, 1)
	for want := 1; want <= 3; want++ {
		if got := appendSeq(t, s, topic); got != want {
			t.Fatalf("seq %d, want %d", got, want)
		}
	}
	if seq, ok := s.seqs[topic]; !ok || seq != 3 {
		t.Fatalf("committed seqs %v, want %s at 3", s.seqs, topic)
	}
	// Receipts' marks leave topics alone, and the seqs with them.
	if err := s.UpdateMarks(context.Background(), topic, 1, 3, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeviceMarks(context.Background(), topic, []store.DeviceMark{{User: 1, Device: "d", SeqID: 3}}, 4); err != nil {
		t.Fatal(err)
	}
	if seq, ok := s.seqs[topic]; !ok || seq != 3 {
		t.Fatalf("committed seqs after mark writes %v, want %s at 3", s.seqs, topic)
	}
	if err := s.DeleteTopic(context.Background(), topic); err != nil {
		t.Fatal(err)
	}
	createTopic(t, s, topic, 1)
	if got := appendSeq(t, s, topic); got != 1 {
		t.Fatalf("first seq of the topic created again: %d, want 1", got)
	}
	failed := errors.New("refused")
	err := s.write(context.Background(), func(w *writeTx) error {
		if _, err := w.exec(`UPDATE topics SET seq = 10 WHERE name = ?`, topic); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("write: %v", err)
	}
	if got := appendSeq(t, s, topic); got != 2 {
		t.Fatalf("seq after a failed write: %d, want 2", got)
	}
	if err := s.write(context.Background(), func(w *writeTx) error {
		_, err := w.exec(`UPDATE topics SET seq = 10 WHERE name = ?`, topic)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := appendSeq(t, s, topic); got != 11 {
		t.Fatalf("seq after another write moved the topic's seq: %d, want 11", got)
	}
}

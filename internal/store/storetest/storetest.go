// Package storetest is the conformance suite for store adapters. The hub is
// written against the store contract, not against one database, so every
// adapter (SQLite now, PostgreSQL later) runs this same suite and must pass
// it unchanged. It tests only behaviour the contract promises: never table
// layouts, SQL, files or other adapter details.
//
// An adapter's test calls Run with a function opening a fresh, empty store,
// and RunPersistence with one reopening the same database.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Opener opens a store for a test. For Run it must return a fresh, empty
// store each time; for RunPersistence, the same database each time. The
// suite closes every store it opens.
type Opener func(t *testing.T) store.Store

// Run runs the conformance suite, one subtest per role.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Topics", func(t *testing.T) { testTopics(t, open) })
	t.Run("Subscriptions", func(t *testing.T) { testSubs(t, open) })
	t.Run("Append", func(t *testing.T) { testAppend(t, open) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, open) })
	t.Run("Deletions", func(t *testing.T) { testDeletions(t, open) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, open) })
	t.Run("Devices", func(t *testing.T) { testDevices(t, open) })
	t.Run("Epochs", func(t *testing.T) { testEpochs(t, open) })
	t.Run("Auths", func(t *testing.T) { testAuths(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Files", func(t *testing.T) { testFiles(t, open) })
	t.Run("Staff", func(t *testing.T) { testStaff(t, open) })
	t.Run("Conversations", func(t *testing.T) { testConversations(t, open) })
	t.Run("Replies", func(t *testing.T) { testReplies(t, open) })
	t.Run("Marks", func(t *testing.T) { testMarks(t, open) })
	t.Run("FAQs", func(t *testing.T) { testFAQs(t, open) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("PolicyWords", func(t *testing.T) { testPolicyWords(t, open) })
	t.Run("Held", func(t *testing.T) { testHeld(t, open) })
}

// Users of the fixtures. carol's id has the high bit set, so an adapter
// ordering ids as signed 64-bit numbers would put her first.
const (
	alice proto.Uid = 1
	bob   proto.Uid = 2
	dave  proto.Uid = 1 << 40
	carol proto.Uid = 1<<63 + 3
)

// Topic names of the fixtures.
const (
	grpA = "grpAAAAAAAAAAAA"
	grpB = "grpBBBBBBBBBBBB"
	grpC = "grpCCCCCCCCCCCC"
)

// fresh opens a store for one test and closes it when the test ends.
func fresh(t *testing.T, open Opener) store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// at is a fixed, millisecond-precise instant plus sec seconds, so stored
// times can be compared exactly.
func at(sec int) time.Time {
	return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second)
}

func newTopic(name string, owner proto.Uid) *store.Topic {
	return &store.Topic{
		Name:      name,
		CreatedAt: at(0),
		UpdatedAt: at(0),
		TouchedAt: at(0),
		Owner:     owner,
		Access:    store.DefaultAccess{Auth: proto.ModeCPublic, Anon: proto.ModeNone},
		Epoch:     1714564800000,
		Public:    json.RawMessage(`{"fn":"Support"}`),
	}
}

func newSub(topic string, user proto.Uid) store.Subscription {
	return store.Subscription{
		Topic:     topic,
		User:      user,
		CreatedAt: at(0),
		UpdatedAt: at(0),
		ModeWant:  proto.ModeCPublic,
		ModeGiven: proto.ModeCPublic,
	}
}

// mustCreateTopic creates a topic with a subscription for each member.
func mustCreateTopic(t *testing.T, s store.Store, name string, members ...proto.Uid) {
	t.Helper()
	var owner proto.Uid
	subs := make([]store.Subscription, 0, len(members))
	for _, u := range members {
		subs = append(subs, newSub(name, u))
		if owner == proto.ZeroUid {
			owner = u
		}
	}
	if err := s.CreateTopic(t.Context(), newTopic(name, owner), subs); err != nil {
		t.Fatalf("CreateTopic(%s): %v", name, err)
	}
}

// textMsg is a message whose content is a JSON string.
func textMsg(topic string, from proto.Uid, msgID, text string) *store.Message {
	content, _ := json.Marshal(text)
	return &store.Message{Topic: topic, From: from, MsgID: msgID, Content: content}
}

// mustAppend appends msgs and fails the test on any error, per call or per
// message.
func mustAppend(t *testing.T, s store.Store, msgs ...*store.Message) []store.AppendResult {
	t.Helper()
	res, err := s.Append(t.Context(), msgs)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res) != len(msgs) {
		t.Fatalf("Append returned %d results for %d messages", len(res), len(msgs))
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("Append: message %d: %v", i, r.Err)
		}
	}
	return res
}

// fill appends n messages without client ids to topic.
func fill(t *testing.T, s store.Store, topic string, from proto.Uid, n int) {
	t.Helper()
	msgs := make([]*store.Message, n)
	for i := range msgs {
		msgs[i] = textMsg(topic, from, "", "filler")
	}
	mustAppend(t, s, msgs...)
}

func mustGetTopic(t *testing.T, s store.Store, name string) *store.Topic {
	t.Helper()
	top, err := s.GetTopic(t.Context(), name)
	if err != nil {
		t.Fatalf("GetTopic(%s): %v", name, err)
	}
	return top
}

func mustGetSub(t *testing.T, s store.Store, topic string, user proto.Uid) *store.Subscription {
	t.Helper()
	sub, err := s.GetSub(t.Context(), topic, user)
	if err != nil {
		t.Fatalf("GetSub(%s, %v): %v", topic, user, err)
	}
	return sub
}

// seqsOf lists the seq ids of msgs in order.
func seqsOf(msgs []store.Message) []int {
	seqs := make([]int, 0, len(msgs))
	for _, m := range msgs {
		seqs = append(seqs, m.SeqID)
	}
	return seqs
}

// wantErr fails unless err is target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// jsonEqual compares JSON by value, so an adapter may normalise whitespace
// (PostgreSQL's jsonb does); absent and empty both count as absent.
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// sameTags treats nil and empty alike.
func sameTags(a, b []string) bool { return slices.Equal(a, b) }

// checkTime fails unless got is the same instant as want, in UTC.
func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

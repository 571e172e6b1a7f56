package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// PacedAppends makes n Append calls to a new topic of s, one every gap,
// each without waiting for the ones before (as independent topics'
// messages arrive), and returns how many commits they took, as commits
// counts them. An adapter's test uses it to check its commit wait.
func PacedAppends(t *testing.T, s store.Store, commits func() int64, n int, gap time.Duration) int64 {
	t.Helper()
	topic := proto.GroupName(1)
	sub := store.Subscription{Topic: topic, User: alice, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
	if err := s.CreateTopic(context.Background(), &store.Topic{Name: topic}, []store.Subscription{sub}); err != nil {
		t.Fatal(err)
	}
	before := commits()
	tick := time.NewTicker(gap)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		<-tick.C
		wg.Go(func() {
			m := &store.Message{Topic: topic, From: alice, MsgID: fmt.Sprint(i), Content: []byte(`"hi"`)}
			if _, err := s.Append(context.Background(), []*store.Message{m}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	return commits() - before
}

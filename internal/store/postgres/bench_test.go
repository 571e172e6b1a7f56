package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/postgres/pgtest"
)

const (
	benchTopics = 8
	// benchParallelism × GOMAXPROCS goroutines append at once, like many
	// topic goroutines in a busy hub.
	benchParallelism = 32
)

// benchStore opens a store on a fresh database with benchTopics topics.
func benchStore(b *testing.B, opts Options) (*Store, []string) {
	b.Helper()
	s, err := Open(context.Background(), pgtest.Database(b), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	names := make([]string, benchTopics)
	for i := range names {
		names[i] = proto.GroupName(uint64(i + 1))
		sub := store.Subscription{Topic: names[i], User: 1, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
		if err := s.CreateTopic(context.Background(), &store.Topic{Name: names[i]}, []store.Subscription{sub}); err != nil {
			b.Fatal(err)
		}
	}
	return s, names
}

// BenchmarkAppend compares one commit (one WAL flush) per Append call with
// group commit, for many goroutines each appending one message at a time:
// the same benchmark as the SQLite adapter's.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name     string
		maxBatch int
	}{{"one-per-commit", 1}, {"group-commit", DefaultMaxBatch}} {
		b.Run(bc.name, func(b *testing.B) {
			s, names := benchStore(b, Options{MaxBatch: bc.maxBatch})
			var n atomic.Int64
			commits := s.Commits()
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					m := &store.Message{Topic: names[i%benchTopics], From: 1, MsgID: fmt.Sprint(i), Content: []byte(`"hello"`)}
					if _, err := s.Append(context.Background(), []*store.Message{m}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(b.N)/float64(s.Commits()-commits), "msgs/commit")
		})
	}
}

// BenchmarkAppendBatch100 measures one goroutine appending 100 messages per
// call, spread over the topics, as a bulk import would.
func BenchmarkAppendBatch100(b *testing.B) {
	const per = 100
	s, names := benchStore(b, Options{})
	msgs := make([]*store.Message, per)
	b.ResetTimer()
	for i := range b.N {
		for j := range msgs {
			msgs[j] = &store.Message{Topic: names[j%benchTopics], From: 1, MsgID: fmt.Sprint(i, "-", j), Content: []byte(`"hello"`)}
		}
		if _, err := s.Append(context.Background(), msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "msgs/s")
}

package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// benchSession is a session that only counts what it is sent, and closes
// done when it has received want {data} frames.
type benchSession struct {
	id   string
	uid  proto.Uid
	data atomic.Int64
	want int64
	done chan struct{}
	subs chan bool
}

func (s *benchSession) SessionID() string         { return s.id }
func (s *benchSession) UserID() proto.Uid         { return s.uid }
func (s *benchSession) AuthLevel() int            { return store.AuthAuth }
func (s *benchSession) DeviceID() string          { return "" }
func (s *benchSession) Gone() bool                { return false }
func (s *benchSession) Detached(string)           {}
func (s *benchSession) SubDone(_ string, ok bool) { s.subs <- ok }
func (s *benchSession) Send(f hub.Frame) bool {
	if f.Seq > 0 && s.data.Add(1) == s.want {
		close(s.done)
	}
	return true
}

// BenchmarkPublish measures the whole publish path in one process: pub →
// durable append (SQLite, group commit) → ctrl 202 → {data} to every
// attached session. It reports messages and deliveries per second.
func BenchmarkPublish(b *testing.B) {
	for _, receivers := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("receivers=%d", receivers), func(b *testing.B) { benchPublish(b, receivers) })
	}
}

func benchPublish(b *testing.B, receivers int) {
	ctx := context.Background()
	st, err := sqlite.Open(b.TempDir()+"/bench.db", sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h := hub.New(st, hub.DefaultLimits, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer h.Shutdown()

	sessions := make([]*benchSession, receivers+1)
	subs := make([]store.Subscription, len(sessions))
	now := time.Now().UTC()
	for i := range sessions {
		uid := proto.Uid(1000 + i)
		sessions[i] = &benchSession{id: strconv.Itoa(i), uid: uid, subs: make(chan bool, 1)}
		if err := st.CreateUser(ctx, &store.User{ID: uid, CreatedAt: now, UpdatedAt: now}, nil); err != nil {
			b.Fatal(err)
		}
		subs[i] = store.Subscription{User: uid, CreatedAt: now, UpdatedAt: now,
			ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic}
	}
	name := proto.GroupName(42)
	for i := range subs {
		subs[i].Topic = name
	}
	if err := st.CreateTopic(ctx, &store.Topic{Name: name, CreatedAt: now, UpdatedAt: now, TouchedAt: now}, subs); err != nil {
		b.Fatal(err)
	}
	for _, s := range sessions {
		h.Dispatch(&hub.Request{Sess: s, Topic: name, View: name,
			Msg: &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: "s", Topic: name}}})
		if !<-s.subs {
			b.Fatal("sub failed")
		}
	}
	for _, s := range sessions {
		s.want, s.done = int64(b.N), make(chan struct{})
	}
	sender := sessions[0]
	content := json.RawMessage(`"a message of about the size people type in a chat window"`)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < b.N; i++ {
			req := &hub.Request{Sess: sender, Topic: name, View: name, Msg: &proto.ClientMsg{Pub: &proto.MsgClientPub{
				ID: "p", Topic: name, Content: content, Head: map[string]any{"msgid": "m" + strconv.Itoa(i)}}}}
			for !h.Dispatch(req) {
				time.Sleep(50 * time.Microsecond) // the topic's queue is full: let it drain
			}
		}
	}()
	wg.Wait()
	for _, s := range sessions {
		<-s.done
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "msgs/s")
	b.ReportMetric(float64(b.N*(receivers+1))/elapsed, "deliveries/s")
}

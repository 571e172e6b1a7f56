package session_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/session"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlite"
)

// heldSubStore holds a CreateSub, which a topic's actor runs inline, so a
// test can keep the actor from reading its queue.
type heldSubStore struct {
	store.Store
	entered chan struct{}
	release chan struct{}
}

func (s *heldSubStore) CreateSub(ctx context.Context, sub *store.Subscription) error {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.CreateSub(ctx, sub)
}

// client is a session driven by raw frames.
type client struct {
	t *testing.T
	s *session.Session
}

func (c *client) send(frame string) { c.s.Receive([]byte(frame)) }

// ctrl waits for the ctrl answering id and returns its code.
func (c *client) ctrl(id string) int {
	c.t.Helper()
	deadline := time.After(replyTimeout)
	for {
		frames, _ := c.s.Drain(0)
		for _, f := range frames {
			var m struct{ Ctrl *proto.MsgServerCtrl }
			if json.Unmarshal(f, &m) == nil && m.Ctrl != nil && m.Ctrl.ID == id {
				return m.Ctrl.Code
			}
		}
		select {
		case <-c.s.Ready():
		case <-deadline:
			c.t.Fatalf("no answer to %s", id)
		}
	}
}

// Recv notes repeating what the session already acknowledged are dropped
// in the session: they used to fill the topic's queue while its actor was
// busy, and another request then got 503.
func TestStaleRecvNotesStayOutOfTheTopicQueue(t *testing.T) {
	base, err := sqlite.Open(t.TempDir()+"/acks.db", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	owner, member, joiner := proto.Uid(1), proto.Uid(2), proto.Uid(3)
	for _, uid := range []proto.Uid{owner, member, joiner} {
		if err := base.CreateUser(ctx, &store.User{ID: uid, CreatedAt: now, UpdatedAt: now}, nil); err != nil {
			t.Fatal(err)
		}
	}
	grp := proto.GroupName(9)
	subs := []store.Subscription{
		{Topic: grp, User: owner, CreatedAt: now, UpdatedAt: now, ModeWant: proto.ModeCFull, ModeGiven: proto.ModeCFull},
		{Topic: grp, User: member, CreatedAt: now, UpdatedAt: now, ModeWant: proto.ModeCPublic, ModeGiven: proto.ModeCPublic},
	}
	err = base.CreateTopic(ctx, &store.Topic{Name: grp, CreatedAt: now, UpdatedAt: now, Owner: owner,
		Access: store.DefaultAccess{Auth: proto.ModeCPublic}}, subs)
	if err != nil {
		t.Fatal(err)
	}
	st := &heldSubStore{Store: base, entered: make(chan struct{}, 1), release: make(chan struct{})}
	limits := hub.DefaultLimits
	limits.TopicQueue = 16
	log := slog.New(slog.DiscardHandler)
	h := hub.New(st, limits, log)
	defer h.Shutdown()
	tokens := auth.NewTokens([]byte("stale-acks-test-token-key-000000"), time.Hour)
	deps := &session.Deps{Hub: h, Users: base, Tokens: tokens, Log: log}
	cfg := &session.Config{Version: "0.25", MaxMessageSize: 4096, MaxSubscribers: 16, MaxTopics: 8,
		OutboxBytes: 1 << 20, RatePerSecond: 1e6, RateBurst: 1 << 20}
	connect := func(uid proto.Uid) *client {
		c := &client{t: t, s: session.New(deps, cfg, session.KindWebSocket, "test")}
		t.Cleanup(c.s.End)
		token, _ := tokens.Issue(uid, store.AuthAuth, 0)
		c.send(`{"hi":{"id":"h","ver":"0.25"}}`)
		c.send(`{"login":{"id":"l","scheme":"token","secret":"` + token + `"}}`)
		if code := c.ctrl("l"); code != 200 {
			t.Fatalf("login: %d", code)
		}
		return c
	}
	m := connect(member)
	m.send(`{"sub":{"id":"s","topic":"` + grp + `"}}`)
	if code := m.ctrl("s"); code != 200 {
		t.Fatalf("sub: %d", code)
	}
	m.send(`{"pub":{"id":"p1","topic":"` + grp + `","content":"x"}}`)
	if code := m.ctrl("p1"); code != 202 {
		t.Fatalf("pub: %d", code)
	}
	m.send(`{"note":{"topic":"` + grp + `","what":"recv","seq":1}}`)

	// The joiner's sub stores a subscription inside the actor: held there,
	// the actor reads nothing from its queue.
	j := connect(joiner)
	j.send(`{"sub":{"id":"j","topic":"` + grp + `"}}`)
	select {
	case <-st.entered:
	case <-time.After(replyTimeout):
		t.Fatal("the joiner's sub did not reach the store")
	}
	for range 100 {
		m.send(`{"note":{"topic":"` + grp + `","what":"recv","seq":1}}`)
		m.send(`{"datares":{"acks":[{"topic":"` + grp + `","seq":1}]}}`)
	}
	m.send(`{"pub":{"id":"p2","topic":"` + grp + `","content":"y"}}`)
	close(st.release)
	if code := m.ctrl("p2"); code != 202 {
		t.Fatalf("pub after 200 stale acknowledgements: %d, want 202", code)
	}
}

package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// testConversations runs for stores that implement store.Conversations.
func testConversations(t *testing.T, open Opener) {
	s := fresh(t, open)
	cs, ok := s.(store.Conversations)
	if !ok {
		t.Skip("the store does not implement store.Conversations")
	}
	ctx := context.Background()
	for _, name := range []string{grpA, grpB, grpC} {
		if err := s.CreateTopic(ctx, newTopic(name, alice), nil); err != nil {
			t.Fatal(err)
		}
	}
	a := &store.Conversation{Topic: grpA, Customer: carol, Team: "sales", State: store.ConvAssigned,
		Agent: alice, LastAgent: alice, Ticket: 7, QueuedAt: at(1), AssignedAt: at(2), Transfers: 1,
		Labels: []string{"refund", "vip"}}
	b := &store.Conversation{Topic: grpB, Customer: bob, Team: "sales", State: store.ConvQueued, Ticket: 3, QueuedAt: at(3)}
	c := &store.Conversation{Topic: grpC, Customer: dave, Team: "vip", State: store.ConvClosed, LastAgent: alice,
		Ticket: 1, QueuedAt: at(0), AssignedAt: at(1), ClosedAt: at(4), FirstResponseAt: at(2),
		CustomerMessages: 3, AgentMessages: 4}
	for _, x := range []*store.Conversation{a, b, c} {
		if err := cs.SaveConversation(ctx, x); err != nil {
			t.Fatalf("SaveConversation %s: %v", x.Topic, err)
		}
	}
	if got, err := cs.GetConversation(ctx, grpA); err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("GetConversation = %+v, %v; want %+v", got, err, a)
	}
	open1, err := cs.OpenConversations(ctx)
	if err != nil || len(open1) != 2 || open1[0].Topic != grpB || open1[1].Topic != grpA {
		t.Fatalf("OpenConversations = %+v, %v; want grpB then grpA (by ticket), no closed one", open1, err)
	}
	// Replacing: the latest conversation wins.
	a2 := *a
	a2.State, a2.Agent, a2.ClosedAt = store.ConvClosed, 0, at(9)
	if err := cs.SaveConversation(ctx, &a2); err != nil {
		t.Fatal(err)
	}
	if got, _ := cs.GetConversation(ctx, grpA); got == nil || !reflect.DeepEqual(*got, a2) {
		t.Errorf("after replacing: %+v", got)
	}
	// Closed conversations stay for reports, also after the topic's next
	// one replaced them: grpA's and grpC's.
	closed, err := cs.ClosedConversations(ctx, at(0), 10)
	if err != nil || len(closed) != 2 || !reflect.DeepEqual(closed[0], *c) || !reflect.DeepEqual(closed[1], a2) {
		t.Errorf("ClosedConversations = %+v, %v; want grpC then grpA", closed, err)
	}
	if later, _ := cs.ClosedConversations(ctx, at(5), 10); len(later) != 1 || later[0].Topic != grpA {
		t.Errorf("ClosedConversations since at(5) = %+v, want grpA only", later)
	}
	a3 := a2
	a3.Ticket, a3.ClosedAt = 20, at(11)
	cs.SaveConversation(ctx, &a3)
	if all, _ := cs.ClosedConversations(ctx, at(0), 10); len(all) != 3 {
		t.Errorf("a topic's second closed conversation: %d logged, want 3", len(all))
	}
	if lim, _ := cs.ClosedConversations(ctx, at(0), 1); len(lim) != 1 {
		t.Errorf("limit 1: %d", len(lim))
	}
	if _, err := cs.GetConversation(ctx, "grpNOPE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetConversation of nothing: %v", err)
	}
	if err := cs.SaveConversation(ctx, &store.Conversation{Topic: "grpNOPE", Team: "x", State: store.ConvQueued}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveConversation of an unknown topic: %v, want ErrNotFound", err)
	}
}

// testReplies runs for stores that implement store.Replies.
func testReplies(t *testing.T, open Opener) {
	s := fresh(t, open)
	rs, ok := s.(store.Replies)
	if !ok {
		t.Skip("the store does not implement store.Replies")
	}
	ctx := context.Background()
	team := &store.Reply{Owner: "team:sales", Key: "hi", Text: "Hello! How can I help?", UpdatedAt: at(1)}
	mine := &store.Reply{Owner: "usrAAAAAAAAAAA", Key: "bye", Text: "Have a nice day", UpdatedAt: at(2)}
	other := &store.Reply{Owner: "usrBBBBBBBBBBB", Key: "bye", Text: "Ciao", UpdatedAt: at(3)}
	for _, r := range []*store.Reply{team, mine, other} {
		if err := rs.SaveReply(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	team2 := *team
	team2.Text = "Hi there"
	if err := rs.SaveReply(ctx, &team2); err != nil {
		t.Fatal(err)
	}
	got, err := rs.ListReplies(ctx, []string{"usrAAAAAAAAAAA", "team:sales"})
	if err != nil || !reflect.DeepEqual(got, []store.Reply{team2, *mine}) {
		t.Errorf("ListReplies = %+v, %v; want the replaced team reply, then mine (not the other agent's)", got, err)
	}
	if err := rs.DeleteReply(ctx, "team:sales", "hi"); err != nil {
		t.Fatal(err)
	}
	if err := rs.DeleteReply(ctx, "team:sales", "hi"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if got, _ := rs.ListReplies(ctx, nil); len(got) != 0 {
		t.Errorf("no owners: %v", got)
	}
}

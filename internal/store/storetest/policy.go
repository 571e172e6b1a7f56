package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// testPolicyWords runs for stores that implement store.Policies.
func testPolicyWords(t *testing.T, open Opener) {
	s := fresh(t, open)
	ps, ok := s.(store.Policies)
	if !ok {
		t.Skip("the store does not implement store.Policies")
	}
	ctx := context.Background()
	words := []store.PolicyWord{
		{Word: "spam", Action: "block", Scope: "all", UpdatedAt: at(1)},
		{Word: "傻逼", Action: "mask", Scope: "customer", UpdatedAt: at(2)},
		{Word: "refund", Action: "review", Scope: "staff", UpdatedAt: at(3)},
	}
	if err := ps.SavePolicyWords(ctx, words); err != nil {
		t.Fatal(err)
	}
	changed := store.PolicyWord{Word: "spam", Action: "mask", Scope: "staff", UpdatedAt: at(4)}
	if err := ps.SavePolicyWords(ctx, []store.PolicyWord{changed}); err != nil {
		t.Fatal(err)
	}
	got, err := ps.PolicyWords(ctx)
	want := []store.PolicyWord{words[2], changed, words[1]} // by word, bytewise
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("PolicyWords = %+v, %v; want %+v", got, err, want)
	}
	n, err := ps.DeletePolicyWords(ctx, []string{"spam", "nothing"})
	if err != nil || n != 1 {
		t.Errorf("DeletePolicyWords = %d, %v; want 1 (one of the two existed)", n, err)
	}
	if got, _ := ps.PolicyWords(ctx); len(got) != 2 {
		t.Errorf("after delete: %+v", got)
	}
}

// testHeld runs for stores that implement store.Policies.
func testHeld(t *testing.T, open Opener) {
	s := fresh(t, open)
	ps, ok := s.(store.Policies)
	if !ok {
		t.Skip("the store does not implement store.Policies")
	}
	ctx := context.Background()
	pending := &store.HeldMessage{ID: "h1", Topic: grpA, MsgID: "m1", From: carol, State: store.HeldPending,
		Reason: "refund", Head: map[string]any{"msgid": "m1"}, Content: json.RawMessage(`"a refund please"`),
		CreatedAt: at(1)}
	blocked := &store.HeldMessage{ID: "h2", Topic: grpA, From: alice, State: store.HeldBlocked,
		Reason: "spam", Content: json.RawMessage(`{"txt":"spam"}`), CreatedAt: at(2)}
	for _, h := range []*store.HeldMessage{pending, blocked} {
		if _, err := ps.SaveHeld(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	retry := *pending
	retry.ID, retry.State = "h3", store.HeldBlocked
	prior, err := ps.SaveHeld(ctx, &retry)
	if !errors.Is(err, store.ErrDuplicate) || prior == nil || prior.ID != "h1" || prior.State != store.HeldPending {
		t.Errorf("SaveHeld of a held msgid = %+v, %v; want the first record and ErrDuplicate", prior, err)
	}
	got, err := ps.GetHeld(ctx, "h1")
	if err != nil || !reflect.DeepEqual(got, pending) {
		t.Errorf("GetHeld = %+v, %v;\nwant %+v", got, err, pending)
	}
	if _, err := ps.GetHeld(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetHeld of an unknown id: %v", err)
	}
	all, err := ps.ListHeld(ctx, "", 0)
	if err != nil || len(all) != 2 || all[0].ID != "h1" || all[1].ID != "h2" {
		t.Errorf("ListHeld all = %+v, %v; want h1, h2", all, err)
	}
	if one, _ := ps.ListHeld(ctx, "", 1); len(one) != 1 {
		t.Errorf("limit 1: %d", len(one))
	}
	if bl, _ := ps.ListHeld(ctx, store.HeldBlocked, 0); len(bl) != 1 || bl[0].ID != "h2" {
		t.Errorf("ListHeld blocked = %+v", bl)
	}
	if err := ps.DecideHeld(ctx, "h1", store.HeldApproved, 7, bob, at(5)); err != nil {
		t.Fatal(err)
	}
	if err := ps.DecideHeld(ctx, "h1", store.HeldRejected, 0, bob, at(6)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deciding twice: %v, want ErrNotFound", err)
	}
	if err := ps.DecideHeld(ctx, "h2", store.HeldApproved, 1, bob, at(6)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("approving a blocked message: %v, want ErrNotFound", err)
	}
	got, _ = ps.GetHeld(ctx, "h1")
	if got.State != store.HeldApproved || got.SeqID != 7 || got.DecidedBy != bob || !got.DecidedAt.Equal(at(5)) {
		t.Errorf("after approval: %+v", got)
	}
}

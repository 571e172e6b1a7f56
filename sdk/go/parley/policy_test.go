package parley

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/server/servertest"
)

// TestPolicyStatuses: each verdict of the message policy shows in the
// sender's message status: blocked, masked (with the masked text), in
// review, then approved (with its seq) or rejected.
func TestPolicyStatuses(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	if err := srv.Server().Policy().AddRules(ctx, []policy.Rule{
		{Word: "加微信", Action: policy.Block}, {Word: "shit", Action: policy.Mask},
		{Word: "退款", Action: policy.Review}}); err != nil {
		t.Fatal(err)
	}
	a := &addr{s: srv.Addr}
	alice, bob := newClient(t, a, "alice"), newClient(t, a, "bob")
	ab, ba := pair(t, alice, bob)

	blocked := alice.Send(ab, "加 微 信吧")
	waitFor(t, "blocked", func() bool { return blocked.Status() == StatusBlocked })
	if blocked.Policy() != PolicyBlocked || blocked.Seq() != 0 {
		t.Errorf("blocked: policy %q seq %d", blocked.Policy(), blocked.Seq())
	}

	masked := alice.Send(ab, "you SHIT")
	waitFor(t, "masked stored", func() bool { return stored(masked) })
	if masked.Policy() != PolicyMasked || string(masked.Shown()) != `"you ****"` || masked.Seq() == 0 {
		t.Errorf("masked: policy %q shown %s seq %d", masked.Policy(), masked.Shown(), masked.Seq())
	}
	waitFor(t, "bob gets the masked text", func() bool {
		for _, m := range bob.Messages(ba) {
			if m.MsgID == masked.MsgID {
				return string(m.Content) == `"you ****"`
			}
		}
		return false
	})

	held := alice.Send(ab, "我要退款")
	dropped := alice.Send(ab, "退款!")
	waitFor(t, "in review", func() bool {
		return held.Status() == StatusInReview && dropped.Status() == StatusInReview
	})
	if held.Policy() != PolicyReview || held.Seq() != 0 {
		t.Errorf("held: policy %q seq %d", held.Policy(), held.Seq())
	}
	pending, err := srv.Server().Reviews().List(ctx, "pending", 0)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending: %v %v", pending, err)
	}
	for _, h := range pending {
		approve := h.MsgID == held.MsgID
		if _, err := srv.Server().Reviews().Decide(ctx, h.ID, approve, proto.ZeroUid); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "approved", func() bool { return stored(held) && held.Seq() > masked.Seq() })
	if held.Policy() != PolicyApproved {
		t.Errorf("approved: policy %q", held.Policy())
	}
	waitFor(t, "rejected", func() bool { return dropped.Status() == StatusRejected })
	waitFor(t, "bob gets the approved message", func() bool {
		for _, m := range bob.Messages(ba) {
			if m.MsgID == held.MsgID {
				return true
			}
		}
		return false
	})
	for _, m := range bob.Messages(ba) {
		if m.MsgID == blocked.MsgID || m.MsgID == dropped.MsgID {
			raw, _ := json.Marshal(m.Content)
			t.Errorf("bob got a message the policy kept back: %s", raw)
		}
	}
}

// stored reports whether m has its seq: sent, or delivered or read since.
func stored(m *Message) bool {
	s := m.Status()
	return m.Seq() != 0 && (s == StatusSent || s == StatusDelivered || s == StatusRead)
}

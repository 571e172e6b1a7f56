package hub

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/trace"
)

// Params of the ctrl answering a pub the policy acted on (docs/protocol.md).
const (
	paramPolicy    = "policy"
	policyBlocked  = "blocked"
	policyMasked   = "masked"
	policyReview   = "review"
	policyRejected = "rejected"
	// WhatReview is the {info} that tells a sender the verdict on their
	// held message.
	WhatReview = "review"
)

// SetPolicy installs the message policy; call it before serving. Without
// one every message is delivered as sent.
func (h *Hub) SetPolicy(e *policy.Engine) { h.policy = e }

// Judge asks the policy about a {pub} and keeps the decision in r for the
// topic to act on once the pub has passed the topic's own checks. Sessions
// call it before Dispatch, on their own goroutine: the review service may
// take up to its timeout, and waiting for it there holds back only this
// session's next frames, while in the topic's actor it would hold back
// every member's messages, reads and receipts.
func (h *Hub) Judge(ctx context.Context, r *Request) {
	pub := r.Msg.Pub
	if h.policy == nil || pub == nil || len(pub.Content) == 0 {
		return
	}
	msgID, _ := pub.Head["msgid"].(string)
	uid := r.Sess.UserID()
	d := h.policy.Check(ctx, policy.Input{Topic: r.Topic, MsgID: msgID, From: uid, Staff: h.isStaff(uid),
		Content: pub.Content})
	if d.Verdict != policy.Allow || d.Replayed {
		r.Policy = &d
	}
}

// applyPolicy acts on the decision taken for a validated pub: it masks msg,
// answers a retry of a held message, or marks pp to be held instead of
// stored. It reports whether the pub goes on to the publisher.
func (t *topic) applyPolicy(r *Request, pp *pendingPub) bool {
	d := r.Policy
	if d == nil {
		return true
	}
	if d.Replayed {
		switch d.State {
		case store.HeldPending:
			t.reply(r, policyCtrl(r, proto.CodeAccepted, "held for review", policyReview))
			return false
		case store.HeldBlocked:
			t.reply(r, policyCtrl(r, proto.CodePolicy, "blocked by the message policy", policyBlocked))
			return false
		case store.HeldRejected:
			t.reply(r, policyCtrl(r, proto.CodePolicy, "rejected in review", policyRejected))
			return false
		}
		return true // approved: stored under its msgid, the store answers its seq
	}
	switch d.Verdict {
	case policy.Mask:
		pp.msg.Content = d.Content
		pp.masked = true
	case policy.Block, policy.Review:
		state := store.HeldBlocked
		if d.Verdict == policy.Review {
			state = store.HeldPending
		}
		m := pp.msg
		pp.hold = &store.HeldMessage{Topic: m.Topic, MsgID: m.MsgID, From: m.From, State: state,
			Reason: d.Reason, Head: m.Head, Content: m.Content, CreatedAt: m.CreatedAt}
	}
	return true
}

func policyCtrl(r *Request, code int, text, verdict string) *proto.ServerMsg {
	return proto.CtrlParams(r.Msg.ID(), r.View, code, text, map[string]any{paramPolicy: verdict}, proto.Now())
}

// heldAnswered answers the sender of a message the policy kept out of the
// topic, once the store has it.
func (t *topic) heldAnswered(pp *pendingPub, err error) {
	r := pp.req
	if err != nil {
		t.record(trace.Failed, r, pp.msg, 0, err.Error())
		t.hub.log.Error("holding a message failed", "topic", t.name, "msgid", pp.msg.MsgID, "err", err)
		t.reply(r, storeErr(r, err))
		return
	}
	h := pp.hold
	t.record(trace.Failed, r, pp.msg, h.SeqID, "policy: "+h.State)
	if r.Msg.ID() == "" {
		return
	}
	switch h.State {
	case store.HeldPending:
		t.reply(r, policyCtrl(r, proto.CodeAccepted, "held for review", policyReview))
	case store.HeldRejected:
		t.reply(r, policyCtrl(r, proto.CodePolicy, "rejected in review", policyRejected))
	case store.HeldApproved:
		t.reply(r, proto.CtrlParams(r.Msg.ID(), r.View, proto.CodeAccepted, "accepted",
			map[string]any{"seq": h.SeqID, "duplicate": true}, proto.Now()))
	default:
		t.reply(r, policyCtrl(r, proto.CodePolicy, "blocked by the message policy", policyBlocked))
	}
}

// maskedParams adds to the sender's ctrl what the others were sent.
func maskedParams(params map[string]any, content json.RawMessage) {
	params[paramPolicy] = policyMasked
	params["content"] = content
}

// Release appends a held message to its topic as its sender's, through the
// topic's write pipeline, and returns its seq (policy.Releaser).
func (h *Hub) Release(ctx context.Context, held *store.HeldMessage) (int, error) {
	done := make(chan store.AppendResult, 1)
	return h.appendThrough(ctx, held.Topic, &release{held: held, done: done}, done)
}

type release struct {
	held *store.HeldMessage
	done chan store.AppendResult
}

func (e *release) apply(t *topic) {
	if err := t.load(); err != nil {
		e.done <- store.AppendResult{Err: err}
		return
	}
	if t.kind != kindGroup && t.kind != kindP2P {
		e.done <- store.AppendResult{Err: ErrNotGroup}
		return
	}
	h := e.held
	msg := &store.Message{Topic: t.name, MsgID: h.MsgID, From: h.From, CreatedAt: time.Now().UTC(),
		Head: h.Head, Content: h.Content}
	// A held edit is still an edit: its original must allow it now.
	replaces, _, _ := seqRef(h.Head, "replace", t.desc.SeqID)
	req := &Request{Sess: system{}, Msg: &proto.ClientMsg{Pub: &proto.MsgClientPub{Topic: t.name}},
		Topic: t.name, View: t.name}
	done := e.done
	t.pub.queue = append(t.pub.queue, pendingPub{req: req, msg: msg, replaces: replaces,
		done: func(r store.AppendResult) { done <- r }})
	t.pub.queued++
	t.pub.flush(t)
}

// TellSender sends the verdict on a held message to its sender's sessions
// attached to the topic (policy.Releaser).
func (h *Hub) TellSender(held *store.HeldMessage, verdict string, seq int) {
	payload, err := json.Marshal(map[string]any{"msgid": held.MsgID, "seq": seq, "verdict": verdict})
	if err != nil {
		return
	}
	h.routeLoaded(held.Topic, &reviewInfo{user: held.From, payload: payload})
}

type reviewInfo struct {
	user    proto.Uid
	payload json.RawMessage
}

func (e *reviewInfo) apply(t *topic) {
	for s, view := range t.attached {
		if s.UserID() == e.user {
			t.send(s, &proto.ServerMsg{Info: &proto.MsgServerInfo{Topic: view, What: WhatReview, Payload: e.payload}})
		}
	}
}

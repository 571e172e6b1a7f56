package hub

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Per-user marks on messages (star, flag). A mark belongs to one user: it
// is never a message of the topic, so no other member is pushed it or
// pages it. It is kept in the store (store.Marks), pushed to the user's
// sessions attached to "me" when it changes (in the order the store made
// the changes), and listed in full by msg.marks, so every device of the
// user converges after any reconnect: it lists the topic's marks again
// and applies the pushes that follow.

// MaxMarks bounds the marks one user holds on one topic (stars and flags
// together).
const MaxMarks = 1000

// markKinds are the marks a user may set.
var markKinds = map[string]bool{"star": true, "flag": true}

// markTimeout bounds a mark action's store work.
const markTimeout = 10 * time.Second

// RegisterMarks adds the actions msg.mark and msg.marks, kept in ms.
func (h *Hub) RegisterMarks(reg *action.Registry, ms store.Marks) {
	locks := new(markLocks)
	reg.Register("msg.mark", func(r *action.Request) action.Result { return h.setMark(r, ms, locks) })
	reg.Register("msg.marks", func(r *action.Request) action.Result { return h.listMarks(r, ms) })
}

// markLocks serialise each user's mark changes from the store write to
// the push, so the user's sessions are pushed the changes in the order the
// store made them and end with the stored state, also when two devices
// change one mark at once. Users share a lock by their id's stripe.
type markLocks [64]sync.Mutex

func (l *markLocks) of(uid proto.Uid) *sync.Mutex { return &l[uint64(uid)%uint64(len(l))] }

func markResult(code int, text string) action.Result { return action.Result{Code: code, Text: text} }

var (
	markMalformed = markResult(proto.CodeMalformed, "malformed")
	markForbidden = markResult(proto.CodeForbidden, "permission denied")
	markNoTopic   = markResult(proto.CodeNotFound, "topic not found")
	markInternal  = markResult(proto.CodeInternal, "internal error")
)

// markParams are msg.mark's and msg.marks's params.
type markParams struct {
	Topic string `json:"topic"`
	Seq   int    `json:"seq"`
	Mark  string `json:"mark"`
	On    *bool  `json:"on"`
}

// markTopic decodes the params and finds the topic they name: the
// action's topic, or params.topic (one of them, or both the same). It
// checks that the caller may read the topic, and returns its internal
// name, the name the caller sees it by, and its latest seq.
func (h *Hub) markTopic(ctx context.Context, r *action.Request, p *markParams) (internal, view string, last int, fail *action.Result) {
	bad := func(res action.Result) (string, string, int, *action.Result) { return "", "", 0, &res }
	if len(r.Params) > 0 && string(r.Params) != "null" {
		if json.Unmarshal(r.Params, p) != nil {
			return bad(markMalformed)
		}
	}
	view = r.Topic
	if view == "" {
		view = p.Topic
	} else if p.Topic != "" && p.Topic != view {
		return bad(markResult(proto.CodeMalformed, "topic and params.topic differ"))
	}
	uid := r.Caller.UserID()
	switch peer := proto.ParseUserID(view); {
	case proto.IsGroupName(view):
		internal = view
	case peer != proto.ZeroUid && peer != uid:
		internal = proto.P2PName(uid, peer)
	default:
		return bad(markResult(proto.CodeMalformed, "topic is a group or a user"))
	}
	t, err := h.store.GetTopic(ctx, internal)
	if errors.Is(err, store.ErrNotFound) {
		return bad(markNoTopic)
	}
	if err != nil {
		return bad(markInternal)
	}
	sub, err := h.store.GetSub(ctx, internal, uid)
	if errors.Is(err, store.ErrNotFound) || err == nil && !sub.Mode().IsSet(proto.ModeRead) {
		return bad(markForbidden)
	}
	if err != nil {
		return bad(markInternal)
	}
	return internal, view, t.SeqID, nil
}

// setMark sets or clears one mark: msg.mark {topic, seq, mark, on}.
func (h *Hub) setMark(r *action.Request, ms store.Marks, locks *markLocks) action.Result {
	ctx, cancel := context.WithTimeout(h.ctx, markTimeout)
	defer cancel()
	var p markParams
	internal, view, last, fail := h.markTopic(ctx, r, &p)
	if fail != nil {
		return *fail
	}
	if !markKinds[p.Mark] || p.On == nil {
		return markResult(proto.CodeMalformed, `mark is "star" or "flag", on is true or false`)
	}
	if p.Seq < 1 || p.Seq > last {
		return markResult(proto.CodeMalformed, "seq names no message of the topic")
	}
	uid := r.Caller.UserID()
	lock := locks.of(uid)
	lock.Lock()
	defer lock.Unlock()
	changed, err := ms.SetMark(ctx, uid, internal, store.Mark{Seq: p.Seq, Mark: p.Mark}, *p.On, MaxMarks)
	switch {
	case errors.Is(err, store.ErrLimit):
		return markResult(proto.CodePolicy, "at most 1000 marks per topic")
	case errors.Is(err, store.ErrNotFound):
		return markNoTopic
	case err != nil:
		h.log.Error("set mark", "topic", internal, "err", err)
		return markInternal
	}
	// Every session of the user on "me" is told, the caller's too: a
	// client applies marks from these pushes, which come in the store's
	// order, so racing devices all end with the last change.
	if changed {
		payload, _ := json.Marshal(map[string]any{"mark": p.Mark, "on": *p.On})
		h.infoToUser(uid, &proto.MsgServerInfo{Topic: proto.TopicMe, Src: view, What: "mark",
			SeqID: p.Seq, Payload: payload}, nil)
	}
	return action.Result{Code: proto.CodeOK, Text: "ok"}
}

// listMarks lists the caller's marks on a topic: msg.marks {topic}.
func (h *Hub) listMarks(r *action.Request, ms store.Marks) action.Result {
	ctx, cancel := context.WithTimeout(h.ctx, markTimeout)
	defer cancel()
	var p markParams
	internal, _, _, fail := h.markTopic(ctx, r, &p)
	if fail != nil {
		return *fail
	}
	marks, err := ms.ListMarks(ctx, r.Caller.UserID(), internal)
	if err != nil {
		h.log.Error("list marks", "topic", internal, "err", err)
		return markInternal
	}
	out := make([]map[string]any, len(marks))
	for i, m := range marks {
		out[i] = map[string]any{"seq": m.Seq, "mark": m.Mark}
	}
	return action.Result{Code: proto.CodeOK, Text: "ok", Params: map[string]any{"marks": out}}
}

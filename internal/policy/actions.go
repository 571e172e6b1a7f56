package policy

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// HeldJSON is a held message as the admin API and the review actions show
// it.
type HeldJSON struct {
	ID        string          `json:"id"`
	Topic     string          `json:"topic"`
	MsgID     string          `json:"msgid,omitempty"`
	From      string          `json:"from"`
	State     string          `json:"state"`
	Reason    string          `json:"reason,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	Created   time.Time       `json:"created"`
	Decided   *time.Time      `json:"decided,omitempty"`
	DecidedBy string          `json:"decided_by,omitempty"`
	Seq       int             `json:"seq,omitempty"`
}

// ToJSON converts a held message for the API.
func ToJSON(h store.HeldMessage) HeldJSON {
	j := HeldJSON{ID: h.ID, Topic: h.Topic, MsgID: h.MsgID, From: h.From.UserID(), State: h.State,
		Reason: h.Reason, Content: h.Content, Created: h.CreatedAt, Seq: h.SeqID}
	if !h.DecidedAt.IsZero() {
		at := h.DecidedAt
		j.Decided = &at
	}
	if h.DecidedBy != proto.ZeroUid {
		j.DecidedBy = h.DecidedBy.UserID()
	}
	return j
}

// MaxList bounds one listing of held messages.
const MaxList = 1000

// ValidState reports whether s names a held message's state ("" for all).
func ValidState(s string) bool {
	switch s {
	case "", store.HeldBlocked, store.HeldPending, store.HeldApproved, store.HeldRejected:
		return true
	}
	return false
}

// RegisterActions adds the review queue's actions for staff:
// review.list {state?, limit?}, review.approve {id}, review.reject {id}.
func (r *Reviews) RegisterActions(reg *action.Registry, isStaff func(proto.Uid) bool) {
	reg.Register("review.list", func(req *action.Request) action.Result {
		if !isStaff(req.Caller.UserID()) {
			return action.Result{Code: proto.CodeForbidden, Text: "staff only"}
		}
		var p struct {
			State string `json:"state"`
			Limit int    `json:"limit"`
		}
		if !decodeParams(req, &p) || !ValidState(p.State) || p.Limit < 0 || p.Limit > MaxList {
			return action.Result{Code: proto.CodeMalformed,
				Text: "state is blocked, pending, approved or rejected; limit 0-1000"}
		}
		if p.Limit == 0 {
			p.Limit = 100
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		list, err := r.List(ctx, p.State, p.Limit)
		if err != nil {
			return action.Result{Code: proto.CodeInternal, Text: "internal error"}
		}
		out := make([]HeldJSON, len(list))
		for i, h := range list {
			out[i] = ToJSON(h)
		}
		return action.Result{Code: proto.CodeOK, Text: "ok", Params: map[string]any{"held": out}}
	})
	for _, verb := range []string{"approve", "reject"} {
		approve := verb == "approve"
		reg.Register("review."+verb, func(req *action.Request) action.Result {
			uid := req.Caller.UserID()
			if !isStaff(uid) {
				return action.Result{Code: proto.CodeForbidden, Text: "staff only"}
			}
			var p struct {
				ID string `json:"id"`
			}
			if !decodeParams(req, &p) || p.ID == "" {
				return action.Result{Code: proto.CodeMalformed, Text: "params.id names the held message"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			h, err := r.Decide(ctx, p.ID, approve, uid)
			switch {
			case errors.Is(err, ErrNotHeld):
				return action.Result{Code: proto.CodeNotFound, Text: "no such held message"}
			case errors.Is(err, ErrDecided):
				return action.Result{Code: proto.CodeConflict, Text: "decided already"}
			case err != nil:
				return action.Result{Code: proto.CodeInternal, Text: "internal error"}
			}
			return action.Result{Code: proto.CodeOK, Text: "ok", Params: map[string]any{"held": ToJSON(*h)}}
		})
	}
}

func decodeParams(req *action.Request, v any) bool {
	if len(req.Params) == 0 {
		return true
	}
	return json.Unmarshal(req.Params, v) == nil
}

package hub

import (
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// handleAcc applies the user-record part of an {acc} update (desc.public,
// desc.defacs, tags) on the user's "me" topic. It runs in that topic's
// actor because the actor keeps a copy of the user, which must not go
// stale. The session has done the login part already and sends the request
// here with the internal "me" name and no view, so the answer carries no
// topic, as acc answers do not.
func (t *topic) handleAcc(r *Request) {
	acc := r.Msg.Acc
	if t.kind != kindMe || proto.MeName(r.Sess.UserID()) != t.name {
		t.reply(r, proto.Forbidden(acc.ID, "", proto.Now()))
		return
	}
	if err := t.load(); err != nil {
		t.reply(r, storeErr(r, err))
		return
	}
	upd := store.UserUpdate{UpdatedAt: time.Now().UTC(), Tags: proto.NormalizeTags(acc.Tags)}
	access := t.user.Access
	if d := acc.Desc; d != nil {
		if fail := applyDefAcs(r, &access, d.DefaultAcs); fail != nil {
			t.reply(r, fail)
			return
		}
		upd.Access, upd.Public = &access, d.Public
	}
	if err := t.hub.store.UpdateUser(t.hub.ctx, r.Sess.UserID(), upd); err != nil {
		t.reply(r, storeErr(r, err))
		return
	}
	t.applyUserUpdate(upd)
	t.reply(r, proto.OK(acc.ID, "", proto.Now()))
}

// setUserTags replaces the tags of the "me" topic's user.
func (t *topic) setUserTags(r *Request, tags []string) *proto.ServerMsg {
	upd := store.UserUpdate{UpdatedAt: time.Now().UTC(), Tags: tags}
	if err := t.hub.store.UpdateUser(t.hub.ctx, r.Sess.UserID(), upd); err != nil {
		return storeErr(r, err)
	}
	t.applyUserUpdate(upd)
	return nil
}

// applyUserUpdate mirrors a stored user update in the actor's copy.
func (t *topic) applyUserUpdate(upd store.UserUpdate) {
	t.user.UpdatedAt = upd.UpdatedAt
	if upd.Access != nil {
		t.user.Access = *upd.Access
	}
	if upd.Public != nil {
		t.user.Public = upd.Public
	}
	if upd.Tags != nil {
		t.user.Tags = upd.Tags
	}
}

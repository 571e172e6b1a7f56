package hub

import (
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// userChanged tells a user's "me" topic that the user's record was
// changed in the store by someone other than the topic itself (a
// customer's profile refreshed from what the merchant signed at login), so
// its copy of the user does not go stale.
type userChanged struct{ upd store.UserUpdate }

func (e *userChanged) apply(t *topic) {
	if t.kind != kindMe || !t.loaded {
		// An actor that has not loaded the user reads it fresh when it does.
		return
	}
	t.applyUserUpdate(e.upd)
	if e.upd.Trusted != nil {
		t.user.Trusted = e.upd.Trusted
	}
}

// UserChanged hands a user update already stored to the user's running
// "me" topic, if any, which applies it to its copy. The caller stores the
// update first, so a "me" topic starting meanwhile reads it from the store.
func (h *Hub) UserChanged(uid proto.Uid, upd store.UserUpdate) {
	h.routeLoaded(proto.MeName(uid), &userChanged{upd: upd})
}

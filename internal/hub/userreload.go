package hub

import "github.com/parley-im/parley/internal/proto"

// ReloadUser tells the user's me topic, if it is running, to read the
// account again: a change made outside it (the admin API giving a role, a
// customer's profile refreshed from what the merchant signed at login) must
// show in the next description it sends. The caller stores the change
// first; a me topic that is not running reads the account when it starts.
func (h *Hub) ReloadUser(uid proto.Uid) {
	h.routeLoaded(uid.UserID(), reloadUser{})
}

// reloadUser re-reads a me topic's account.
type reloadUser struct{}

func (reloadUser) apply(t *topic) {
	if t.kind != kindMe || !t.loaded {
		return
	}
	u, err := t.hub.store.GetUser(t.hub.ctx, t.user.ID)
	if err != nil {
		return // deleted meanwhile: the deletion path ends the topic's sessions
	}
	t.user = *u
}

package hub

import (
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Private notes: a message in a service topic whose head has
// "private": true is for staff only. Only staff may write one (pub with
// the flag); every path that hands a message to a reader — the push
// (broadcast and resume both go through pushData), {pres what=msg} on me
// and get data — leaves it out for anyone else, so a customer is never
// pushed a note and can never page one, whatever ranges they ask for.
// The customer sees the note's seq as a hole.

// HeadPrivate is the head key that marks a private note.
const HeadPrivate = "private"

// StaffCheck reports whether uid is staff (may read and write notes).
type StaffCheck func(uid proto.Uid) bool

// SetStaffCheck installs the staff predicate; call it before serving.
// Without one nobody may write notes.
func (h *Hub) SetStaffCheck(fn StaffCheck) { h.staff = fn }

func (h *Hub) isStaff(uid proto.Uid) bool { return h.staff != nil && h.staff(uid) }

// isPrivate reports whether head marks a private note.
func isPrivate(head map[string]any) bool {
	v, ok := head[HeadPrivate]
	return ok && v == true
}

// hidden reports whether m, a message of a topic that is a service topic
// when service is true, must be kept from uid.
func (h *Hub) hidden(service bool, m *store.Message, uid proto.Uid) bool {
	return service && isPrivate(m.Head) && !h.isStaff(uid)
}

// mayWritePrivate checks a pub's private flag: only staff, only in a
// service topic, and only the value true.
func (t *topic) mayWritePrivate(head map[string]any, uid proto.Uid) bool {
	v, ok := head[HeadPrivate]
	return !ok || (v == true && t.isService() && t.hub.isStaff(uid))
}

// visibleTo is msgs without those hidden from uid; msgs itself when none is.
func (t *topic) visibleTo(msgs []*store.Message, uid proto.Uid) []*store.Message {
	service := t.isService()
	for i, m := range msgs {
		if !t.hub.hidden(service, m, uid) {
			continue
		}
		out := append([]*store.Message(nil), msgs[:i]...)
		for _, m := range msgs[i+1:] {
			if !t.hub.hidden(service, m, uid) {
				out = append(out, m)
			}
		}
		return out
	}
	return msgs
}

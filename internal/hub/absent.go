package hub

import (
	"errors"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// answerAbsent answers a get or sub on a group or one-to-one topic that is
// neither running nor stored, without starting its actor, and reports
// whether it did. Any well-formed name reaches the hub, and an actor started
// for a name that names nothing would be kept until the next idle check:
// thousands of made-up names a second would hold thousands of actors. So the
// store is asked first, on the caller's goroutine, which also makes a client
// that floods made-up names wait for its own look-ups.
//
// It answers as the actor would: 404 for a group; for a one-to-one topic not
// created yet, 404 when the peer does not exist, and a get is answered from
// the peer's card (an outsider's view). A sub with an existing peer creates
// the topic, so it goes to the actor.
func (h *Hub) answerAbsent(r *Request) bool {
	m := r.Msg
	kind := kindOf(r.Topic)
	if (m.Get == nil && m.Sub == nil) || r.TmpName != "" || (kind != kindGroup && kind != kindP2P) {
		return false
	}
	if h.running(r.Topic) {
		return false
	}
	if _, err := h.store.GetTopic(h.ctx, r.Topic); !errors.Is(err, store.ErrNotFound) {
		return false // stored (or the store failed): the actor loads it and answers
	}
	id, now := m.ID(), proto.Now()
	switch {
	case m.Get != nil:
		what := parseWhat(m.Get.What)
		switch {
		case len(what) == 0:
			h.answer(r, proto.Malformed(id, r.View, now))
		case kind == kindGroup:
			h.answer(r, proto.TopicNotFound(id, r.View, now))
		default:
			qr := &querier{hub: h, kind: kind, name: r.Topic, view: r.View, id: id, sess: r.Sess,
				snap: &snapshot{}, rctx: h.readContext(r.Sess)}
			qr.run(&m.Get.MsgGetQuery, what)
		}
	case kind == kindGroup:
		r.Sess.SubDone(r.View, false)
		h.answer(r, proto.TopicNotFound(id, r.View, now))
	default:
		_, err := h.store.GetUser(h.ctx, proto.P2PPeer(r.Topic, r.Sess.UserID()))
		if !errors.Is(err, store.ErrNotFound) {
			return false
		}
		r.Sess.SubDone(r.View, false)
		h.answer(r, proto.UserNotFound(id, r.View, now))
	}
	return true
}

// running reports whether the topic's actor is running.
func (h *Hub) running(name string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.topics[name] != nil
}

// answer sends m to the session that made r.
func (h *Hub) answer(r *Request, m *proto.ServerMsg) { r.Sess.Send(Frame{Bytes: h.encode(m)}) }

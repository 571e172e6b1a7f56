package session

import (
	"crypto/rand"
	"encoding/binary"
	"strings"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// topicRequest routes sub, leave, pub, get, set, del and note to the topic
// they name. Requests on topics the session never asked to attach to are
// answered here, without waking the topic, except those Tinode answers
// without attaching (see peekable).
func (s *Session) topicRequest(m *proto.ClientMsg) {
	id, view, now := m.ID(), m.Topic(), proto.Now()
	if s.UserID() == proto.ZeroUid {
		if m.Note == nil {
			s.reply(proto.AuthRequired(id, view, now))
		}
		return
	}
	mark := m.Note != nil && (m.Note.What == "recv" || m.Note.What == "read") && m.Note.SeqID > 0
	if mark {
		s.acknowledge(view, m.Note.SeqID)
		if m.Note.What == "recv" && !s.win.freshRecv(view, m.Note.SeqID) {
			return // stale: the topic has it already, and its inbox is for news
		}
	}
	req := &hub.Request{Sess: s, Msg: m, View: view}
	if m.Sub != nil {
		s.subscribe(req)
		return
	}
	internal, known := s.known(view)
	if !known && peekable(m) {
		s.peek(req)
		return
	}
	if !known {
		switch {
		case m.Note != nil:
		case m.Leave != nil && !m.Leave.Unsub:
			s.reply(proto.NotJoined(id, view, now))
		default:
			s.reply(proto.AttachFirst(id, view, now))
		}
		return
	}
	req.Topic = internal
	if m.Pub != nil {
		// The policy decides here, on this session's goroutine, not in the
		// topic (see Hub.Judge).
		s.deps.Hub.Judge(s.deps.Hub.Context(), req)
	}
	switch {
	case s.deps.Hub.Dispatch(req):
		if mark {
			s.win.forwardedRecv(view, m.Note.SeqID)
		}
	case m.Note == nil:
		s.reply(proto.Unavailable(id, view, now))
	}
}

// subscribe resolves the topic name, creating a group name for "new…", and
// hands the request to the topic.
func (s *Session) subscribe(req *hub.Request) {
	id, view, now := req.Msg.ID(), req.View, proto.Now()
	internal, fail := s.resolve(view)
	if fail != nil {
		s.reply(fail(id, view, now))
		return
	}
	if strings.HasPrefix(view, proto.PrefixNew) {
		req.TmpName = view
		internal = proto.GroupName(randomID())
		req.View = internal
	}
	s.mu.Lock()
	if len(s.attached)+len(s.pending) >= s.cfg.MaxTopics && s.attached[req.View] == "" {
		s.mu.Unlock()
		s.reply(proto.Ctrl(id, view, proto.CodePolicy, "too many subscriptions", now))
		return
	}
	if s.pending == nil {
		s.pending = map[string]int{}
	}
	s.pending[req.View]++
	s.mu.Unlock()
	req.Topic = internal
	if !s.deps.Hub.Dispatch(req) {
		s.SubDone(req.View, false)
		s.reply(proto.Unavailable(id, view, now))
	}
}

// peekable reports whether a request is answered on a topic the session is
// not attached to: any get (the topic answers with what outsiders may see),
// and a set on fnd (the search query), which Tinode clients send without
// subscribing.
func peekable(m *proto.ClientMsg) bool {
	return m.Get != nil || (m.Set != nil && m.Set.Topic == proto.TopicFnd)
}

// peek hands a request for a topic the session is not attached to to the
// topic, once the name resolves to one that may exist.
func (s *Session) peek(req *hub.Request) {
	id, view, now := req.Msg.ID(), req.View, proto.Now()
	internal, fail := s.resolve(view)
	if fail == nil && internal == "" {
		fail = proto.TopicNotFound // "new…" names no topic yet
	}
	if fail != nil {
		s.reply(fail(id, view, now))
		return
	}
	req.Topic = internal
	if !s.deps.Hub.Dispatch(req) {
		s.reply(proto.Unavailable(id, view, now))
	}
}

// known returns the internal name of a view the session is attached to or
// has a sub pending for.
func (s *Session) known(view string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if internal, ok := s.attached[view]; ok {
		return internal, true
	}
	if s.pending[view] > 0 {
		return s.resolveAttached(view), true
	}
	return "", false
}

type failure func(id, topic string, ts proto.Time) *proto.ServerMsg

// resolve maps the name a client uses to the topic's internal name.
func (s *Session) resolve(view string) (string, failure) {
	uid := s.UserID()
	switch {
	case view == proto.TopicMe:
		return proto.MeName(uid), nil
	case view == proto.TopicFnd:
		return proto.FndName(uid), nil
	case strings.HasPrefix(view, proto.PrefixNewCh):
		return "", proto.NotImplemented
	case strings.HasPrefix(view, proto.PrefixNew):
		return "", nil
	case strings.HasPrefix(view, proto.PrefixUser):
		peer := proto.ParseUserID(view)
		if peer == proto.ZeroUid {
			return "", proto.Malformed
		}
		if peer == uid {
			return "", proto.Forbidden
		}
		return proto.P2PName(uid, peer), nil
	case proto.IsGroupName(view):
		return view, nil
	}
	return "", proto.TopicNotFound
}

// resolveAttached is resolve for names already known to be valid.
func (s *Session) resolveAttached(view string) string {
	internal, _ := s.resolve(view)
	if internal == "" {
		return view
	}
	return internal
}

func randomID() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

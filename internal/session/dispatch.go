package session

import (
	"errors"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/proto"
)

// probe is the raw network probe Tinode clients send; the answer is probeAck.
const (
	probe    = "1"
	probeAck = "0"
)

// Receive handles one client frame. Transports call it from one goroutine,
// or serialize their calls. Frames after End or Revoke are dropped.
func (s *Session) Receive(frame []byte) {
	if s.Gone() || s.revoked.Load() {
		return
	}
	if string(frame) == probe {
		s.out.push([]byte(probeAck))
		return
	}
	if msg, ok := decodeNote(frame); ok {
		s.ReceiveDecoded(msg, nil, len(frame))
		return
	}
	if msg, ok := decodePub(frame); ok {
		s.ReceiveDecoded(msg, nil, len(frame))
		return
	}
	msg, err := proto.DecodeClient(frame)
	s.ReceiveDecoded(msg, err, len(frame))
}

// ReceiveDecoded handles one client message that a transport decoded itself
// (protobuf): err is the decoder's, size the bytes the message took on the
// wire. It is Receive after the JSON decoding, with the same rules.
func (s *Session) ReceiveDecoded(msg *proto.ClientMsg, err error, size int) {
	if s.Gone() || s.revoked.Load() {
		return
	}
	if errors.Is(err, proto.ErrInvalidText) {
		s.reply(proto.InvalidText(msg.ID(), msg.Topic(), proto.Now()))
		return
	}
	if err != nil {
		s.reply(proto.Malformed("", "", proto.Now()))
		return
	}
	if !s.limit.Allow() {
		if id := msg.ID(); id != "" {
			s.reply(proto.TooMany(id, msg.Topic(), proto.Now()))
		}
		return
	}
	if msg.Pub != nil && size > s.cfg.MaxMessageSize {
		s.reply(proto.TooLarge(msg.Pub.ID, msg.Pub.Topic, proto.Now()))
		return
	}
	s.dispatch(msg)
}

func (s *Session) dispatch(m *proto.ClientMsg) {
	now := proto.Now()
	if m.Hi != nil {
		s.hello(m.Hi)
		return
	}
	if !s.hiDone {
		if m.Note == nil {
			s.reply(proto.OutOfSequence(m.ID(), m.Topic(), now))
		}
		return
	}
	switch {
	case m.Acc != nil:
		s.account(m.Acc)
	case m.Login != nil:
		s.login(m.Login)
	case m.Action != nil:
		s.act(m.Action)
	case m.DataRes != nil:
		s.dataRes(m.DataRes)
	case m.Del != nil && m.Del.What == "user":
		s.delUser(m.Del)
	case m.Del != nil && m.Del.What == "cred":
		s.reply(proto.NotImplemented(m.Del.ID, m.Del.Topic, now))
	case m.Set != nil && m.Set.Cred != nil:
		// Parley keeps no credentials to validate; saying ok would let a
		// client believe an address was added.
		s.reply(proto.NotImplemented(m.Set.ID, m.Set.Topic, now))
	default:
		s.topicRequest(m)
	}
}

// hello answers {hi}: the first one creates the session (201 on WebSocket,
// 200 on long polling, as Tinode does); later ones only update it.
func (s *Session) hello(hi *proto.MsgClientHi) {
	now := proto.Now()
	if hi.Version != "" {
		major, minor, ok := parseVersion(hi.Version)
		if !ok {
			s.reply(proto.Malformed(hi.ID, "", now))
			return
		}
		if major == 0 && minor < 20 {
			s.reply(proto.Ctrl(hi.ID, "", proto.CodeVersion, "version not supported", now))
			return
		}
	}
	if !s.setDevice(hi.DeviceID) {
		s.reply(proto.Malformed(hi.ID, "", now))
		return
	}
	if s.hiDone {
		s.reply(proto.OK(hi.ID, "", now))
		return
	}
	s.hiDone = true
	if s.UserID() == proto.ZeroUid {
		s.dl.next(s.cfg.LoginTimeout, proto.DisconnectNoLogin)
	}
	code, text := proto.CodeCreated, "created"
	if s.kind == KindLongPoll {
		code, text = proto.CodeOK, "ok"
	}
	s.reply(proto.CtrlParams(hi.ID, "", code, text, map[string]any{
		"ver":                s.cfg.Version,
		"build":              s.cfg.Build,
		"sid":                s.sid,
		"maxMessageSize":     s.cfg.MaxMessageSize,
		"maxSubscriberCount": s.cfg.MaxSubscribers,
		"maxTagCount":        proto.MaxTagCount,
		"minTagLength":       proto.MinTagLength,
		"maxTagLength":       proto.MaxTagLength,
		"maxFileUploadSize":  s.cfg.MaxFileSize,
	}, now))
}

// maxDeviceID bounds hi.dev: the server stores a mark per topic and device.
// Push tokens, which Tinode clients send there, fit.
const maxDeviceID = 255

// nullValue is Tinode's "unset this field" string: hi.dev set to it
// forgets the session's device.
const nullValue = "\u2421"

// setDevice takes the device id from a hi: empty keeps the current one, the
// null value clears it. It reports false for an id that is too long or
// holds characters other than letters, digits and "._:-".
func (s *Session) setDevice(dev string) bool {
	switch {
	case dev == "":
		return true
	case dev == nullValue:
		dev = ""
	case !validDeviceID(dev):
		return false
	}
	s.mu.Lock()
	s.device = dev
	s.mu.Unlock()
	return true
}

func validDeviceID(dev string) bool {
	if len(dev) > maxDeviceID {
		return false
	}
	for _, c := range []byte(dev) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// act answers an {action} through the action registry. Actions need a
// logged-in user: they act on the user's behalf.
func (s *Session) act(a *proto.MsgClientAction) {
	if s.UserID() == proto.ZeroUid {
		s.reply(proto.AuthRequired(a.ID, a.Topic, proto.Now()))
		return
	}
	reg := s.deps.Actions
	if reg == nil {
		reg = action.NewRegistry()
	}
	s.reply(reg.Handle(a.ID, &action.Request{Caller: s, Topic: a.Topic, What: a.What, Params: a.Params}))
}

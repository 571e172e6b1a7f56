package pbx

import (
	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/proto"
)

// EncodeServer writes a model server message as one protobuf ServerMsg.
func EncodeServer(m *proto.ServerMsg) ([]byte, error) {
	w, err := ServerToWire(m)
	if err != nil {
		return nil, err
	}
	return gproto.Marshal(w)
}

// ServerToWire converts a model server message to the wire type. A presence
// or info kind with no enum number travels in what_ext with the enum unset
// (zero, which every client knows).
func ServerToWire(m *proto.ServerMsg) (*ServerMsg, error) {
	w := &ServerMsg{}
	switch {
	case m.Ctrl != nil:
		c := m.Ctrl
		params, err := bytesMap(c.Params)
		if err != nil {
			return nil, err
		}
		w.Message = &ServerMsg_Ctrl{Ctrl: &ServerCtrl{Id: c.ID, Topic: c.Topic, Code: int32(c.Code),
			Text: c.Text, Params: params, Timestamp: millis(c.Timestamp)}}
	case m.Data != nil:
		d := m.Data
		head, err := bytesMap(d.Head)
		if err != nil {
			return nil, err
		}
		w.Message = &ServerMsg_Data{Data: &ServerData{Topic: d.Topic, FromUserId: d.From,
			Timestamp: millis(d.Timestamp), DeletedAt: millisPtr(d.DeletedAt), SeqId: int32(d.SeqID),
			Head: head, Content: d.Content}}
	case m.Pres != nil:
		w.Message = &ServerMsg_Pres{Pres: presToWire(m.Pres)}
	case m.Meta != nil:
		w.Message = &ServerMsg_Meta{Meta: metaToWire(m.Meta)}
	case m.Info != nil:
		i := m.Info
		what, ext := named(toWire.note, i.What)
		w.Message = &ServerMsg_Info{Info: &ServerInfo{Topic: i.Topic, FromUserId: i.From, What: what,
			WhatExt: ext, SeqId: int32(i.SeqID), Src: i.Src, Event: toWire.event[i.Event], Payload: i.Payload}}
	}
	return w, nil
}

func presToWire(p *proto.MsgServerPres) *ServerPres {
	what, ext := named(toWire.pres, p.What)
	return &ServerPres{Topic: p.Topic, Src: p.Src, What: what, WhatExt: ext, UserAgent: p.UserAgent,
		SeqId: int32(p.SeqID), DelId: int32(p.DelID), DelSeq: ranges(p.DelSeq), TargetUserId: p.AcsTarget,
		ActorUserId: p.AcsActor, Acs: acsToWire(p.Acs), Epoch: p.Epoch}
}

func acsToWire(a *proto.MsgAccessMode) *AccessMode {
	if a == nil {
		return nil
	}
	return &AccessMode{Want: a.Want, Given: a.Given, Mode: a.Mode}
}

func metaToWire(m *proto.MsgServerMeta) *ServerMeta {
	w := &ServerMeta{Id: m.ID, Topic: m.Topic, Desc: descToWire(m.Desc), Tags: m.Tags,
		Timestamp: millis(m.Timestamp)}
	for i := range m.Sub {
		w.Sub = append(w.Sub, subToWire(&m.Sub[i]))
	}
	if d := m.Del; d != nil {
		w.Del = &DelValues{DelId: int32(d.DelID), DelSeq: ranges(d.DelSeq)}
	}
	for _, c := range m.Cred {
		w.Cred = append(w.Cred, &ServerCred{Method: c.Method, Value: c.Value, Done: c.Done})
	}
	return w
}

func descToWire(d *proto.MsgTopicDesc) *TopicDesc {
	if d == nil {
		return nil
	}
	w := &TopicDesc{CreatedAt: millisPtr(d.CreatedAt), UpdatedAt: millisPtr(d.UpdatedAt),
		TouchedAt: millisPtr(d.TouchedAt), Acs: acsToWire(d.Acs), SeqId: int32(d.SeqID),
		ReadId: int32(d.ReadSeqID), RecvId: int32(d.RecvSeqID), DelId: int32(d.DelID),
		Public: d.Public, Private: d.Private, Trusted: d.Trusted, State: d.State,
		Online: d.Online, Epoch: d.Epoch, SubCount: int32(d.SubCount)}
	if a := d.DefaultAcs; a != nil {
		w.Defacs = &DefaultAcsMode{Auth: a.Auth, Anon: a.Anon}
	}
	return w
}

func subToWire(s *proto.MsgTopicSub) *TopicSub {
	w := &TopicSub{UpdatedAt: millisPtr(s.UpdatedAt), DeletedAt: millisPtr(s.DeletedAt),
		TouchedAt: millisPtr(s.TouchedAt), Online: s.Online, Acs: acsToWire(&s.Acs),
		ReadId: int32(s.ReadSeqID), RecvId: int32(s.RecvSeqID), Public: s.Public, Trusted: s.Trusted,
		Private: s.Private, UserId: s.User, Topic: s.Topic, SeqId: int32(s.SeqID), DelId: int32(s.DelID)}
	if ls := s.LastSeen; ls != nil {
		w.LastSeenTime, w.LastSeenUserAgent = millisPtr(ls.When), ls.UserAgent
	}
	return w
}

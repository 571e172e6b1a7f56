package pbx

import (
	"fmt"

	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/proto"
)

// EncodeClient writes a model client message as one protobuf ClientMsg, for
// clients (the Go SDK, parley bench) and tests.
func EncodeClient(m *proto.ClientMsg) ([]byte, error) {
	w, err := ClientToWire(m)
	if err != nil {
		return nil, err
	}
	return gproto.Marshal(w)
}

// ClientToWire converts a model client message to the wire type. It fails on
// values the wire cannot carry: a del what or an auth level with no number.
func ClientToWire(m *proto.ClientMsg) (*ClientMsg, error) {
	w := &ClientMsg{}
	var err error
	switch {
	case m.Hi != nil:
		h := m.Hi
		w.Message = &ClientMsg_Hi{Hi: &ClientHi{Id: h.ID, UserAgent: h.UserAgent, Ver: h.Version,
			DeviceId: h.DeviceID, Lang: h.Lang, Platform: h.Platform, Background: h.Background}}
	case m.Acc != nil:
		a := m.Acc
		var lvl AuthLevel
		if lvl, err = levelToWire(a.AuthLevel); err == nil {
			w.Message = &ClientMsg_Acc{Acc: &ClientAcc{Id: a.ID, UserId: a.User, Scheme: a.Scheme,
				Secret: a.Secret, Login: a.Login, Tags: a.Tags, Desc: setDescToWire(a.Desc),
				Cred: credsToWire(a.Cred), Token: []byte(a.Token), State: a.State, AuthLevel: lvl}}
		}
	case m.Login != nil:
		l := m.Login
		w.Message = &ClientMsg_Login{Login: &ClientLogin{Id: l.ID, Scheme: l.Scheme, Secret: l.Secret,
			Cred: credsToWire(l.Cred)}}
	case m.Sub != nil:
		s := m.Sub
		w.Message = &ClientMsg_Sub{Sub: &ClientSub{Id: s.ID, Topic: s.Topic, SetQuery: setToWire(s.Set),
			GetQuery: getToWire(s.Get)}}
	case m.Leave != nil:
		l := m.Leave
		w.Message = &ClientMsg_Leave{Leave: &ClientLeave{Id: l.ID, Topic: l.Topic, Unsub: l.Unsub}}
	case m.Pub != nil:
		p := m.Pub
		var head map[string][]byte
		if head, err = bytesMap(p.Head); err == nil {
			w.Message = &ClientMsg_Pub{Pub: &ClientPub{Id: p.ID, Topic: p.Topic, NoEcho: p.NoEcho,
				Head: head, Content: p.Content}}
		}
	case m.Get != nil:
		g := m.Get
		w.Message = &ClientMsg_Get{Get: &ClientGet{Id: g.ID, Topic: g.Topic, Query: getToWire(&g.MsgGetQuery)}}
	case m.Set != nil:
		s := m.Set
		w.Message = &ClientMsg_Set{Set: &ClientSet{Id: s.ID, Topic: s.Topic, Query: setToWire(&s.MsgSetQuery)}}
	case m.Del != nil:
		d := m.Del
		what, ok := toWire.del[d.What]
		if !ok && d.What != "" {
			return nil, fmt.Errorf("pbx: del what %q has no protobuf value", d.What)
		}
		w.Message = &ClientMsg_Del{Del: &ClientDel{Id: d.ID, Topic: d.Topic, What: what,
			DelSeq: ranges(d.DelSeq), UserId: d.User, Cred: credToWire(d.Cred), Hard: d.Hard}}
	case m.Note != nil:
		n := m.Note
		what, ext := named(toWire.note, n.What)
		w.Message = &ClientMsg_Note{Note: &ClientNote{Topic: n.Topic, What: what, WhatExt: ext,
			SeqId: int32(n.SeqID), Unread: int32(n.Unread), Event: toWire.event[n.Event], Payload: n.Payload}}
	case m.Action != nil:
		a := m.Action
		w.Message = &ClientMsg_Action{Action: &ClientAction{Id: a.ID, Topic: a.Topic, What: a.What,
			Params: a.Params}}
	case m.DataRes != nil:
		w.Message = &ClientMsg_Datares{Datares: dataResToWire(m.DataRes)}
	default:
		return nil, fmt.Errorf("pbx: empty client message")
	}
	if err != nil {
		return nil, err
	}
	if e := m.Extra; e != nil {
		lvl, err := levelToWire(e.AuthLevel)
		if err != nil {
			return nil, err
		}
		w.Extra = &ClientExtra{Attachments: e.Attachments, OnBehalfOf: e.OnBehalfOf, AuthLevel: lvl}
	}
	return w, nil
}

func levelToWire(s string) (AuthLevel, error) {
	if s == "" {
		return AuthLevel_NONE, nil
	}
	if l, ok := toWire.level[s]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("pbx: auth level %q has no protobuf value", s)
}

func credToWire(c *proto.MsgCredClient) *ClientCred {
	if c == nil {
		return nil
	}
	params, err := bytesMap(c.Params)
	if err != nil {
		params = nil // values came from JSON; they always encode
	}
	return &ClientCred{Method: c.Method, Value: c.Value, Response: c.Response, Params: params}
}

func credsToWire(in []proto.MsgCredClient) []*ClientCred {
	if len(in) == 0 {
		return nil
	}
	out := make([]*ClientCred, len(in))
	for i := range in {
		out[i] = credToWire(&in[i])
	}
	return out
}

func getOptsToWire(o *proto.MsgGetOpts) *GetOpts {
	if o == nil {
		return nil
	}
	return &GetOpts{IfModifiedSince: millisPtr(o.IfModifiedSince), User: o.User, Topic: o.Topic,
		SinceId: int32(o.SinceID), BeforeId: int32(o.BeforeID), Limit: int32(o.Limit), Ranges: ranges(o.Ranges)}
}

func getToWire(q *proto.MsgGetQuery) *GetQuery {
	if q == nil {
		return nil
	}
	return &GetQuery{What: q.What, Desc: getOptsToWire(q.Desc), Sub: getOptsToWire(q.Sub),
		Data: getOptsToWire(q.Data), Del: getOptsToWire(q.Del)}
}

func setDescToWire(d *proto.MsgSetDesc) *SetDesc {
	if d == nil {
		return nil
	}
	w := &SetDesc{Public: d.Public, Private: d.Private, Trusted: d.Trusted}
	if a := d.DefaultAcs; a != nil {
		w.DefaultAcs = &DefaultAcsMode{Auth: a.Auth, Anon: a.Anon}
	}
	return w
}

func setToWire(q *proto.MsgSetQuery) *SetQuery {
	if q == nil {
		return nil
	}
	w := &SetQuery{Desc: setDescToWire(q.Desc), Tags: q.Tags, Cred: credToWire(q.Cred)}
	if s := q.Sub; s != nil {
		w.Sub = &SetSub{UserId: s.User, Mode: s.Mode}
	}
	return w
}

func dataResToWire(d *proto.MsgClientDataRes) *ClientDataRes {
	w := &ClientDataRes{Id: d.ID, Acks: make([]*TopicAck, len(d.Acks))}
	for i, a := range d.Acks {
		w.Acks[i] = &TopicAck{Topic: a.Topic, Seq: int32(a.Seq), Ranges: ranges(a.Ranges)}
	}
	return w
}

package pbx

import (
	"errors"

	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/proto"
)

// DecodeClient parses one protobuf ClientMsg into the model. Like the JSON
// codec it fails with proto.ErrMalformed on bytes that are not one client
// message, and with proto.ErrInvalidText (and the message, so the answer can
// name its id) when a JSON value inside is not valid text.
func DecodeClient(b []byte) (*proto.ClientMsg, error) {
	var w ClientMsg
	if err := gproto.Unmarshal(b, &w); err != nil {
		return nil, proto.ErrMalformed
	}
	return ClientFromWire(&w)
}

// ClientFromWire converts a decoded ClientMsg into the model.
func ClientFromWire(w *ClientMsg) (*proto.ClientMsg, error) {
	m := &proto.ClientMsg{}
	var err error
	switch v := w.GetMessage().(type) {
	case *ClientMsg_Hi:
		h := v.Hi
		m.Hi = &proto.MsgClientHi{ID: h.GetId(), UserAgent: h.GetUserAgent(), Version: h.GetVer(),
			DeviceID: h.GetDeviceId(), Lang: h.GetLang(), Platform: h.GetPlatform(), Background: h.GetBackground()}
	case *ClientMsg_Acc:
		m.Acc, err = accFromWire(v.Acc)
	case *ClientMsg_Login:
		l := v.Login
		m.Login = &proto.MsgClientLogin{ID: l.GetId(), Scheme: l.GetScheme(), Secret: l.GetSecret()}
		m.Login.Cred, err = credsFromWire(l.GetCred())
	case *ClientMsg_Sub:
		m.Sub, err = subFromWire(v.Sub)
	case *ClientMsg_Leave:
		l := v.Leave
		m.Leave = &proto.MsgClientLeave{ID: l.GetId(), Topic: l.GetTopic(), Unsub: l.GetUnsub()}
	case *ClientMsg_Pub:
		m.Pub, err = pubFromWire(v.Pub)
	case *ClientMsg_Get:
		g := v.Get
		m.Get = &proto.MsgClientGet{ID: g.GetId(), Topic: g.GetTopic()}
		var q *proto.MsgGetQuery
		if q, err = getFromWire(g.GetQuery()); q != nil {
			m.Get.MsgGetQuery = *q
		}
	case *ClientMsg_Set:
		s := v.Set
		m.Set = &proto.MsgClientSet{ID: s.GetId(), Topic: s.GetTopic()}
		var q *proto.MsgSetQuery
		if q, err = setFromWire(s.GetQuery()); q != nil {
			m.Set.MsgSetQuery = *q
		}
	case *ClientMsg_Del:
		m.Del, err = delFromWire(v.Del)
	case *ClientMsg_Note:
		m.Note, err = noteFromWire(v.Note)
	case *ClientMsg_Action:
		a := v.Action
		m.Action = &proto.MsgClientAction{ID: a.GetId(), Topic: a.GetTopic(), What: a.GetWhat()}
		m.Action.Params, err = rawJSON(a.GetParams())
	case *ClientMsg_Datares:
		m.DataRes = dataResFromWire(v.Datares)
	default:
		return nil, proto.ErrMalformed // no message, or one this server does not know
	}
	if e := w.GetExtra(); e != nil {
		m.Extra = &proto.MsgClientExtra{Attachments: e.GetAttachments(), OnBehalfOf: e.GetOnBehalfOf(),
			AuthLevel: levelNames[e.GetAuthLevel()]}
	}
	switch {
	case errors.Is(err, proto.ErrInvalidText):
		return m, proto.ErrInvalidText
	case err != nil:
		return nil, proto.ErrMalformed
	}
	return m, nil
}

func accFromWire(a *ClientAcc) (*proto.MsgClientAcc, error) {
	m := &proto.MsgClientAcc{ID: a.GetId(), User: a.GetUserId(), Token: string(a.GetToken()),
		State: a.GetState(), AuthLevel: levelNames[a.GetAuthLevel()], Scheme: a.GetScheme(),
		Secret: a.GetSecret(), Login: a.GetLogin(), Tags: a.GetTags()}
	var err error
	if m.Desc, err = setDescFromWire(a.GetDesc()); err != nil {
		return m, err
	}
	m.Cred, err = credsFromWire(a.GetCred())
	return m, err
}

func credFromWire(c *ClientCred) (*proto.MsgCredClient, error) {
	if c == nil {
		return nil, nil
	}
	params, err := anyMap(c.GetParams())
	return &proto.MsgCredClient{Method: c.GetMethod(), Value: c.GetValue(), Response: c.GetResponse(),
		Params: params}, err
}

func credsFromWire(in []*ClientCred) ([]proto.MsgCredClient, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]proto.MsgCredClient, len(in))
	for i, c := range in {
		m, err := credFromWire(c)
		if err != nil {
			return nil, err
		}
		out[i] = *m
	}
	return out, nil
}

func subFromWire(s *ClientSub) (*proto.MsgClientSub, error) {
	m := &proto.MsgClientSub{ID: s.GetId(), Topic: s.GetTopic()}
	var err error
	if m.Set, err = setFromWire(s.GetSetQuery()); err != nil {
		return m, err
	}
	m.Get, err = getFromWire(s.GetGetQuery())
	return m, err
}

func pubFromWire(p *ClientPub) (*proto.MsgClientPub, error) {
	m := &proto.MsgClientPub{ID: p.GetId(), Topic: p.GetTopic(), NoEcho: p.GetNoEcho()}
	var err error
	if m.Head, err = anyMap(p.GetHead()); err != nil {
		return m, err
	}
	m.Content, err = rawJSON(p.GetContent())
	return m, err
}

func getOptsFromWire(o *GetOpts) (*proto.MsgGetOpts, error) {
	if o == nil {
		return nil, nil
	}
	ims, err := timePtr(o.GetIfModifiedSince())
	return &proto.MsgGetOpts{IfModifiedSince: ims, User: o.GetUser(), Topic: o.GetTopic(),
		SinceID: int(o.GetSinceId()), BeforeID: int(o.GetBeforeId()), Ranges: delRanges(o.GetRanges()),
		Limit: int(o.GetLimit())}, err
}

func getFromWire(q *GetQuery) (*proto.MsgGetQuery, error) {
	if q == nil {
		return nil, nil
	}
	m := &proto.MsgGetQuery{What: q.GetWhat()}
	var err error
	for _, p := range []struct {
		dst **proto.MsgGetOpts
		src *GetOpts
	}{{&m.Desc, q.GetDesc()}, {&m.Sub, q.GetSub()}, {&m.Data, q.GetData()}, {&m.Del, q.GetDel()}} {
		if *p.dst, err = getOptsFromWire(p.src); err != nil {
			return m, err
		}
	}
	return m, nil
}

func setDescFromWire(d *SetDesc) (*proto.MsgSetDesc, error) {
	if d == nil {
		return nil, nil
	}
	m := &proto.MsgSetDesc{}
	if a := d.GetDefaultAcs(); a != nil {
		m.DefaultAcs = &proto.MsgDefaultAcsMode{Auth: a.GetAuth(), Anon: a.GetAnon()}
	}
	var err error
	for _, p := range []struct {
		dst *[]byte
		src []byte
	}{{(*[]byte)(&m.Public), d.GetPublic()}, {(*[]byte)(&m.Private), d.GetPrivate()},
		{(*[]byte)(&m.Trusted), d.GetTrusted()}} {
		if *p.dst, err = rawJSON(p.src); err != nil {
			return m, err
		}
	}
	return m, nil
}

func setFromWire(q *SetQuery) (*proto.MsgSetQuery, error) {
	if q == nil {
		return nil, nil
	}
	m := &proto.MsgSetQuery{Tags: q.GetTags()}
	if s := q.GetSub(); s != nil {
		m.Sub = &proto.MsgSetSub{User: s.GetUserId(), Mode: s.GetMode()}
	}
	var err error
	if m.Desc, err = setDescFromWire(q.GetDesc()); err != nil {
		return m, err
	}
	m.Cred, err = credFromWire(q.GetCred())
	return m, err
}

func delFromWire(d *ClientDel) (*proto.MsgClientDel, error) {
	m := &proto.MsgClientDel{ID: d.GetId(), Topic: d.GetTopic(), What: delNames[d.GetWhat()],
		DelSeq: delRanges(d.GetDelSeq()), User: d.GetUserId(), Hard: d.GetHard()}
	var err error
	m.Cred, err = credFromWire(d.GetCred())
	return m, err
}

func noteFromWire(n *ClientNote) (*proto.MsgClientNote, error) {
	m := &proto.MsgClientNote{Topic: n.GetTopic(), What: unnamed(noteNames, n.GetWhat(), n.GetWhatExt()),
		SeqID: int(n.GetSeqId()), Unread: int(n.GetUnread()), Event: eventNames[n.GetEvent()]}
	var err error
	m.Payload, err = rawJSON(n.GetPayload())
	return m, err
}

func dataResFromWire(d *ClientDataRes) *proto.MsgClientDataRes {
	m := &proto.MsgClientDataRes{ID: d.GetId(), Acks: make([]proto.MsgTopicAck, 0, len(d.GetAcks()))}
	for _, a := range d.GetAcks() {
		m.Acks = append(m.Acks, proto.MsgTopicAck{Topic: a.GetTopic(), Seq: int(a.GetSeq()),
			Ranges: delRanges(a.GetRanges())})
	}
	return m
}

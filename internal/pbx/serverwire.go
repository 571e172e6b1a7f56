package pbx

import (
	gproto "google.golang.org/protobuf/proto"

	"github.com/parley-im/parley/internal/proto"
)

// DecodeServer parses one protobuf ServerMsg into the model, for clients and
// tests. It fails with proto.ErrMalformed on what the model cannot hold.
func DecodeServer(b []byte) (*proto.ServerMsg, error) {
	var w ServerMsg
	if err := gproto.Unmarshal(b, &w); err != nil {
		return nil, proto.ErrMalformed
	}
	m, err := ServerFromWire(&w)
	if err != nil {
		return nil, proto.ErrMalformed
	}
	return m, nil
}

// ServerFromWire converts a decoded ServerMsg into the model.
func ServerFromWire(w *ServerMsg) (*proto.ServerMsg, error) {
	m := &proto.ServerMsg{}
	var err error
	switch v := w.GetMessage().(type) {
	case *ServerMsg_Ctrl:
		m.Ctrl, err = ctrlFromWire(v.Ctrl)
	case *ServerMsg_Data:
		m.Data, err = dataFromWire(v.Data)
	case *ServerMsg_Pres:
		m.Pres, err = presFromWire(v.Pres)
	case *ServerMsg_Meta:
		m.Meta, err = metaFromWire(v.Meta)
	case *ServerMsg_Info:
		m.Info, err = infoFromWire(v.Info)
	default:
		return nil, proto.ErrMalformed
	}
	return m, err
}

func ctrlFromWire(c *ServerCtrl) (*proto.MsgServerCtrl, error) {
	ts, err := timeOf(c.GetTimestamp())
	if err != nil {
		return nil, err
	}
	params, err := anyMap(c.GetParams())
	return &proto.MsgServerCtrl{ID: c.GetId(), Topic: c.GetTopic(), Code: int(c.GetCode()),
		Text: c.GetText(), Params: params, Timestamp: ts}, err
}

func dataFromWire(d *ServerData) (*proto.MsgServerData, error) {
	ts, err := timeOf(d.GetTimestamp())
	if err != nil {
		return nil, err
	}
	m := &proto.MsgServerData{Topic: d.GetTopic(), From: d.GetFromUserId(), Timestamp: ts,
		SeqID: int(d.GetSeqId())}
	if m.DeletedAt, err = timePtr(d.GetDeletedAt()); err != nil {
		return nil, err
	}
	if m.Head, err = anyMap(d.GetHead()); err != nil {
		return nil, err
	}
	m.Content, err = rawJSON(d.GetContent())
	return m, err
}

func presFromWire(p *ServerPres) (*proto.MsgServerPres, error) {
	return &proto.MsgServerPres{Topic: p.GetTopic(), Src: p.GetSrc(),
		What: unnamed(presNames, p.GetWhat(), p.GetWhatExt()), UserAgent: p.GetUserAgent(),
		SeqID: int(p.GetSeqId()), DelID: int(p.GetDelId()), DelSeq: delRanges(p.GetDelSeq()),
		AcsTarget: p.GetTargetUserId(), AcsActor: p.GetActorUserId(), Acs: acsFromWire(p.GetAcs()),
		Epoch: p.GetEpoch()}, nil
}

func acsFromWire(a *AccessMode) *proto.MsgAccessMode {
	if a == nil {
		return nil
	}
	return &proto.MsgAccessMode{Want: a.GetWant(), Given: a.GetGiven(), Mode: a.GetMode()}
}

func infoFromWire(i *ServerInfo) (*proto.MsgServerInfo, error) {
	payload, err := rawJSON(i.GetPayload())
	return &proto.MsgServerInfo{Topic: i.GetTopic(), Src: i.GetSrc(), From: i.GetFromUserId(),
		What: unnamed(noteNames, i.GetWhat(), i.GetWhatExt()), SeqID: int(i.GetSeqId()),
		Event: eventNames[i.GetEvent()], Payload: payload}, err
}

func metaFromWire(w *ServerMeta) (*proto.MsgServerMeta, error) {
	ts, err := timeOf(w.GetTimestamp())
	if err != nil {
		return nil, err
	}
	m := &proto.MsgServerMeta{ID: w.GetId(), Topic: w.GetTopic(), Timestamp: ts, Tags: w.GetTags()}
	if m.Desc, err = descFromWire(w.GetDesc()); err != nil {
		return nil, err
	}
	for _, s := range w.GetSub() {
		sub, err := subFromWireMeta(s)
		if err != nil {
			return nil, err
		}
		m.Sub = append(m.Sub, *sub)
	}
	if d := w.GetDel(); d != nil {
		m.Del = &proto.MsgDelValues{DelID: int(d.GetDelId()), DelSeq: delRanges(d.GetDelSeq())}
	}
	for _, c := range w.GetCred() {
		m.Cred = append(m.Cred, proto.MsgCredServer{Method: c.GetMethod(), Value: c.GetValue(), Done: c.GetDone()})
	}
	return m, nil
}

// jsonFields checks and converts the JSON-valued fields of a description.
func jsonFields(pairs ...struct {
	dst *[]byte
	src []byte
}) error {
	for _, p := range pairs {
		v, err := rawJSON(p.src)
		if err != nil {
			return err
		}
		*p.dst = v
	}
	return nil
}

type jsonPair = struct {
	dst *[]byte
	src []byte
}

func descFromWire(d *TopicDesc) (*proto.MsgTopicDesc, error) {
	if d == nil {
		return nil, nil
	}
	m := &proto.MsgTopicDesc{Acs: acsFromWire(d.GetAcs()), SeqID: int(d.GetSeqId()),
		ReadSeqID: int(d.GetReadId()), RecvSeqID: int(d.GetRecvId()), DelID: int(d.GetDelId()),
		State: d.GetState(), Online: d.GetOnline(), Epoch: d.GetEpoch(), SubCount: int(d.GetSubCount())}
	if a := d.GetDefacs(); a != nil {
		m.DefaultAcs = &proto.MsgDefaultAcsMode{Auth: a.GetAuth(), Anon: a.GetAnon()}
	}
	var err error
	for _, t := range []struct {
		dst **proto.Time
		ms  int64
	}{{&m.CreatedAt, d.GetCreatedAt()}, {&m.UpdatedAt, d.GetUpdatedAt()}, {&m.TouchedAt, d.GetTouchedAt()}} {
		if *t.dst, err = timePtr(t.ms); err != nil {
			return nil, err
		}
	}
	err = jsonFields(jsonPair{(*[]byte)(&m.Public), d.GetPublic()},
		jsonPair{(*[]byte)(&m.Private), d.GetPrivate()}, jsonPair{(*[]byte)(&m.Trusted), d.GetTrusted()})
	return m, err
}

func subFromWireMeta(s *TopicSub) (*proto.MsgTopicSub, error) {
	m := &proto.MsgTopicSub{Online: s.GetOnline(), ReadSeqID: int(s.GetReadId()),
		RecvSeqID: int(s.GetRecvId()), User: s.GetUserId(), Topic: s.GetTopic(), SeqID: int(s.GetSeqId()),
		DelID: int(s.GetDelId())}
	if a := acsFromWire(s.GetAcs()); a != nil {
		m.Acs = *a
	}
	var err error
	for _, t := range []struct {
		dst **proto.Time
		ms  int64
	}{{&m.UpdatedAt, s.GetUpdatedAt()}, {&m.DeletedAt, s.GetDeletedAt()}, {&m.TouchedAt, s.GetTouchedAt()}} {
		if *t.dst, err = timePtr(t.ms); err != nil {
			return nil, err
		}
	}
	if s.GetLastSeenTime() != 0 || s.GetLastSeenUserAgent() != "" {
		m.LastSeen = &proto.MsgLastSeen{UserAgent: s.GetLastSeenUserAgent()}
		if m.LastSeen.When, err = timePtr(s.GetLastSeenTime()); err != nil {
			return nil, err
		}
	}
	err = jsonFields(jsonPair{(*[]byte)(&m.Public), s.GetPublic()},
		jsonPair{(*[]byte)(&m.Private), s.GetPrivate()}, jsonPair{(*[]byte)(&m.Trusted), s.GetTrusted()})
	return m, err
}

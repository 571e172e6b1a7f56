package cluster

import (
	"encoding/json"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// subjectPrefix names the one NATS subject each node listens on:
// parley.node.<node id>. Everything between two nodes travels on it, in
// batches on a link (link.go).
const subjectPrefix = "parley.node."

func subjectOf(node string) string { return subjectPrefix + node }

// The kinds of item. From a session's node to a topic's owner: a request,
// a detach (with Gone when the session ended), a presence message for a
// "me" topic, a user reload. From the owner back: frames for a session, the
// outcome of a sub, a detach, a disconnect.
const (
	kindReq      = "req"
	kindDetach   = "detach"
	kindPres     = "pres"
	kindReload   = "reload"
	kindFrames   = "frames"
	kindSubDone  = "subdone"
	kindDetached = "detached"
	kindClose    = "close"
	// kindOnline tells another node that a user's first session here
	// started (OK) or its last ended.
	kindOnline = "online"
	// kindLeaving tells another node that this one is stopping and gave
	// its leases up.
	kindLeaving = "leaving"
)

// item is one event between two nodes.
type item struct {
	Kind  string `json:"k"`
	Topic string `json:"t,omitempty"`
	SID   string `json:"s,omitempty"`
	// A request and the session that made it.
	User   proto.Uid       `json:"u,omitempty"`
	Auth   int             `json:"a,omitempty"`
	Device string          `json:"d,omitempty"`
	View   string          `json:"v,omitempty"`
	Tmp    string          `json:"tmp,omitempty"`
	Msg    json.RawMessage `json:"m,omitempty"`
	Params map[string]any  `json:"p,omitempty"`
	// Gone marks a detach of a session that ended.
	Gone bool `json:"g,omitempty"`
	// A presence message and the sessions it skips.
	Pres json.RawMessage `json:"pres,omitempty"`
	Skip []string        `json:"skip,omitempty"`
	// Frames for a session.
	Frames []frame `json:"f,omitempty"`
	// OK is a sub's outcome.
	OK bool `json:"ok,omitempty"`
	// Close is the disconnect a session is to be closed with.
	Close *proto.Disconnect `json:"close,omitempty"`
}

// frame is hub.Frame on the wire. Frames are JSON text (a protobuf
// transport converts them when it writes), so they travel as JSON, not
// base64.
type frame struct {
	Bytes json.RawMessage `json:"b"`
	Topic string          `json:"t,omitempty"`
	Seq   int             `json:"q,omitempty"`
	Name  string          `json:"n,omitempty"`
	MsgID string          `json:"i,omitempty"`
}

func framesOf(fs []hub.Frame) []frame {
	out := make([]frame, len(fs))
	for i, f := range fs {
		out[i] = frame{Bytes: f.Bytes, Topic: f.Topic, Seq: f.Seq, Name: f.Name, MsgID: f.MsgID}
	}
	return out
}

func hubFrames(fs []frame) []hub.Frame {
	out := make([]hub.Frame, len(fs))
	for i, f := range fs {
		out[i] = hub.Frame{Bytes: f.Bytes, Topic: f.Topic, Seq: f.Seq, Name: f.Name, MsgID: f.MsgID}
	}
	return out
}

// envelope is one batch on a link: Seq counts the link's batches from 1, so
// the receiver applies each exactly once, in order, however often NATS
// loses a batch or its acknowledgement and the sender repeats it.
type envelope struct {
	From  string `json:"from"`
	Link  string `json:"link"`
	Seq   uint64 `json:"seq"`
	Items []item `json:"items"`
}

// remoteItem encodes an event for a topic on another node.
func remoteItem(topic string, r hub.Remote) (item, error) {
	switch {
	case r.Req != nil:
		msg, err := proto.EncodeClient(r.Req.Msg)
		if err != nil {
			return item{}, err
		}
		s := r.Req.Sess
		return item{Kind: kindReq, Topic: topic, SID: s.SessionID(), User: s.UserID(), Auth: s.AuthLevel(),
			Device: s.DeviceID(), View: r.Req.View, Tmp: r.Req.TmpName, Msg: msg, Params: r.Req.Params}, nil
	case r.Detach != nil:
		return item{Kind: kindDetach, Topic: topic, SID: r.Detach.SessionID(), Gone: r.Detach.Gone()}, nil
	case r.Pres != nil:
		b, err := proto.Encode(r.Pres)
		if err != nil {
			return item{}, err
		}
		skip := make([]string, 0, len(r.Skip))
		for sid, on := range r.Skip {
			if on {
				skip = append(skip, sid)
			}
		}
		return item{Kind: kindPres, Topic: topic, Pres: b, Skip: skip}, nil
	}
	return item{Kind: kindReload, Topic: topic}, nil
}

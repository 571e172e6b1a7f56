package cluster

import (
	"encoding/json"
	"errors"

	"github.com/nats-io/nats.go"

	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
)

// linkKey names the sending end of a link.
type linkKey struct{ from, link string }

// receive handles one batch from another node. NATS runs a subscription's
// handler on one goroutine, so batches are applied one at a time; a batch
// number at or below the last applied is a repeat (its acknowledgement was
// lost) and is acknowledged again without being applied.
func (n *Node) receive(m *nats.Msg) {
	var env envelope
	if err := json.Unmarshal(m.Data, &env); err != nil {
		n.log.Warn("cluster: undecodable batch", "err", err)
		return
	}
	n.heard(env.From)
	key := linkKey{env.From, env.Link}
	last := n.applied[key]
	switch {
	case env.Seq <= last:
	case env.Seq == last+1:
		n.applied[key] = env.Seq
		for i := range env.Items {
			n.apply(env.From, &env.Items[i])
		}
	default:
		return // cannot happen with one batch in flight; the sender repeats
	}
	if err := m.Respond(nil); err != nil {
		n.log.Debug("cluster: acknowledging a batch", "err", err)
	}
}

// apply carries out one item from node from.
func (n *Node) apply(from string, it *item) {
	switch it.Kind {
	case kindReq:
		n.applyRequest(from, it)
	case kindDetach:
		p := n.proxies.find(from, it.SID)
		if p == nil {
			return
		}
		if it.Gone {
			p.end()
		}
		n.hub.Deliver(it.Topic, hub.Remote{Detach: p})
	case kindPres:
		var msg proto.ServerMsg
		if err := json.Unmarshal(it.Pres, &msg); err != nil {
			n.log.Warn("cluster: undecodable presence", "err", err)
			return
		}
		skip := make(map[string]bool, len(it.Skip))
		for _, sid := range it.Skip {
			skip[sid] = true
		}
		n.hub.Deliver(it.Topic, hub.Remote{Pres: &msg, Skip: skip})
	case kindLeaving:
		n.nodeLeft(from)
	case kindOnline:
		n.applyOnline(from, it)
	case kindReload:
		n.hub.Deliver(it.Topic, hub.Remote{ReloadUser: true})
	default:
		n.sessions.apply(it)
	}
}

// applyRequest hands a forwarded request to the local actor, on behalf of
// the proxy of the session that made it.
func (n *Node) applyRequest(from string, it *item) {
	msg, err := proto.DecodeClient(it.Msg)
	if err != nil {
		n.log.Warn("cluster: undecodable request", "from", from, "err", err)
		return
	}
	p := n.proxies.get(n, from, it)
	if n.leaving.Load() {
		p.Close(proto.DisconnectMoved)
		return
	}
	r := &hub.Request{Sess: p, Msg: msg, Topic: it.Topic, View: it.View, TmpName: it.Tmp, Params: it.Params}
	err = n.hub.Deliver(it.Topic, hub.Remote{Req: r})
	switch {
	case err == nil:
		return
	case errors.Is(err, hub.ErrNotOwner):
		// The lease moved on the way: the session comes back and finds the
		// new owner. Disconnecting rather than answering 503 keeps its
		// sends in order: a client resends everything unacknowledged, in
		// order, on its new connection, while after a 503 it would retry
		// the refused message behind later ones.
		n.log.Warn("cluster: request for a topic owned elsewhere; disconnecting the session", "topic", it.Topic)
		p.Close(proto.DisconnectMoved)
		return
	}
	// The queue is full: the client retries, as on one node.
	if msg.Sub != nil {
		p.SubDone(r.View, false)
	}
	if msg.Note == nil {
		b, _ := proto.Encode(proto.Unavailable(msg.ID(), r.View, proto.Now()))
		p.Send(hub.Frame{Bytes: b})
	}
}

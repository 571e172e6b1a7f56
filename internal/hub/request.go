package hub

import (
	"github.com/parley-im/parley/internal/policy"
	"github.com/parley-im/parley/internal/proto"
)

// Request is a client message on its way to a topic, with the names the
// session resolved.
type Request struct {
	Sess Subscriber
	Msg  *proto.ClientMsg
	// Topic is the internal name: usr… for me, p2p…, grp….
	Topic string
	// View is the name the client used and sees: me, usr<peer>, grp….
	View string
	// TmpName is set when the request creates a group ("new…").
	TmpName string
	// Params, if set, go into the ctrl answering an {acc} update: the
	// fresh token after a password change.
	Params map[string]any
	// Policy is what the message policy decided about a {pub} (Judge);
	// nil: deliver it as sent.
	Policy *policy.Decision
}

// event is anything a topic actor handles from its inbox.
type event interface{ apply(t *topic) }

// detach tells a topic that a session went away.
type detach struct{ sess Subscriber }

func (d *detach) apply(t *topic) { t.detachSession(d.sess) }

// presEvent carries a message for the sessions attached to a "me" topic.
type presEvent struct {
	msg  *proto.ServerMsg
	skip map[string]bool
}

func (p *presEvent) apply(t *topic) { t.deliverToAttached(p.msg, p.skip) }

func (r *Request) apply(t *topic) {
	if t.fenced {
		t.refuseFenced(r)
		return
	}
	m := r.Msg
	switch {
	case m.Sub != nil:
		t.handleSub(r)
	case m.Leave != nil:
		t.handleLeave(r)
	case m.Pub != nil:
		t.handlePub(r)
	case m.Get != nil:
		t.handleGet(r)
	case m.Set != nil:
		t.handleSet(r)
	case m.Del != nil:
		t.handleDel(r)
	case m.Note != nil:
		t.handleNote(r)
	case m.Acc != nil:
		t.handleAcc(r)
	}
}

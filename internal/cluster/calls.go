package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-im/parley/internal/hub"
)

// Service calls (hub.ServiceCall: a post, a membership change, an {info}
// by the customer-service layer) go to the topic's owner with NATS
// request/reply on parley.node.<id>.call, outside the links: the caller
// waits for the outcome (a post's seq), and a call lost by NATS fails with
// a timeout instead of being repeated, which a post's msgid makes safe to
// retry.

var _ hub.ServiceCaller = (*Node)(nil)

// callTimeout bounds a service call's round trip when ctx has no deadline.
const callTimeout = 10 * time.Second

func callSubjectOf(node string) string { return subjectOf(node) + ".call" }

// callMsg is a service call on the wire.
type callMsg struct {
	Topic string          `json:"t"`
	Call  hub.ServiceCall `json:"c"`
}

// callReply is its outcome.
type callReply struct {
	Seq int    `json:"seq,omitempty"`
	Err string `json:"err,omitempty"`
}

// Call implements hub.ServiceCaller: it carries c out on topic's owner.
func (n *Node) Call(ctx context.Context, topic string, c hub.ServiceCall) (int, error) {
	owner := n.ownerOf(topic)
	if owner != "" && owner != n.id && !n.live(owner) {
		n.refreshAlive()
	}
	if owner == "" || owner == n.id || !n.live(owner) {
		return 0, hub.ErrNoOwner
	}
	b, err := json.Marshal(callMsg{Topic: topic, Call: c})
	if err != nil {
		return 0, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	m, err := n.nc.RequestWithContext(ctx, callSubjectOf(owner), b)
	if err != nil {
		return 0, fmt.Errorf("cluster: service call to %s: %w", owner, err)
	}
	var r callReply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return 0, fmt.Errorf("cluster: service call's answer: %w", err)
	}
	if r.Err != "" {
		return r.Seq, errors.New(r.Err)
	}
	return r.Seq, nil
}

// serveCall answers a service call from another node. The call waits for
// the store, so it runs on a goroutine of its own, not NATS's.
func (n *Node) serveCall(m *nats.Msg) {
	var c callMsg
	if err := json.Unmarshal(m.Data, &c); err != nil {
		n.log.Warn("cluster: undecodable service call", "err", err)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, callTimeout)
		defer cancel()
		seq, err := n.hub.Serve(ctx, c.Topic, c.Call)
		r := callReply{Seq: seq}
		if err != nil {
			r.Err = err.Error()
		}
		b, _ := json.Marshal(r) // a struct of an int and a string
		if err := m.Respond(b); err != nil {
			n.log.Debug("cluster: answering a service call", "err", err)
		}
	}()
}

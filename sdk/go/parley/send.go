package parley

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/sdk/go/internal/outbox"
	"github.com/parley-im/parley/sdk/go/internal/pool"
)

// retryDelay is the pause before resending after a transient refusal
// (rate limit, overload, store failure).
const retryDelay = time.Second

// Send shows a message at once and sends it in the background: the
// returned message is already in topic's pool with status Sending, and
// OnMessage subscribers have it, before anything touches the network. It
// is retried with the same msgid until the server stores it, across
// reconnects; OnStatus reports its progress. content is marshalled to JSON
// (a json.RawMessage is used as is); if that fails the message is Failed.
func (c *Client) Send(topic string, content any) *Message {
	raw, err := marshalContent(content)
	m := pool.NewLocal(topic, newMsgID(), c.UserID(), raw, time.Now())
	cv, created := c.conv(topic)
	cv.mu.Lock()
	cv.pool.AddLocal(m)
	if err != nil {
		cv.pool.SetStatus(m.MsgID, pool.Failed)
	}
	cv.mu.Unlock()
	c.ev.message.Publish(m)
	if err != nil {
		return m
	}
	c.box.Add(topic, m.MsgID, raw)
	if gen, ready := c.live(); created && ready {
		go c.attach(context.Background(), gen, cv)
	}
	c.wake()
	return m
}

// Resend queues a Failed message again, with its original msgid.
func (c *Client) Resend(m *Message) {
	cv := c.lookup(m.Topic)
	if cv == nil {
		return
	}
	cv.mu.Lock()
	_, changed := cv.pool.SetStatus(m.MsgID, pool.Sending)
	cv.mu.Unlock()
	if !changed {
		return
	}
	c.ev.statusOf(m)
	c.box.Add(m.Topic, m.MsgID, m.Content)
	c.wake()
}

func marshalContent(content any) (json.RawMessage, error) {
	switch v := content.(type) {
	case json.RawMessage:
		return v, nil
	case []byte:
		return json.RawMessage(v), nil
	}
	return json.Marshal(content)
}

// newMsgID returns a random UUID (version 4).
func newMsgID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// wake tells the sender to look at the outbox.
func (c *Client) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// sendLoop is the one goroutine that writes sends, so each conversation's
// sends leave in the order they were made.
func (c *Client) sendLoop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-c.kick:
		case <-timer.C:
		}
		next := c.flushOutbox()
		timer.Reset(next)
	}
}

// flushOutbox writes what is due on the live connection and returns how
// long until something else may be due.
func (c *Client) flushOutbox() time.Duration {
	gen, ready := c.live()
	if !ready {
		return time.Hour // a new connection wakes us
	}
	now := time.Now()
	for _, topic := range c.box.Topics() {
		cv := c.lookup(topic)
		if cv == nil || !cv.attachedOn(gen) {
			continue
		}
		due, expired := c.box.Due(topic, gen, now)
		for _, it := range expired {
			c.fail(it.Topic, it.MsgID, pool.Failed)
		}
		if !c.writePubs(gen, due) {
			break
		}
	}
	if t, ok := c.box.NextDeadline(gen); ok {
		return max(time.Until(t), time.Millisecond)
	}
	return time.Hour
}

// writePubs writes sends in order; false means the connection broke.
func (c *Client) writePubs(gen uint64, items []*outbox.Item) bool {
	for _, it := range items {
		c.mu.Lock()
		id := c.newIDLocked()
		c.pubs[id] = pubRef{topic: it.Topic, msgid: it.MsgID}
		c.mu.Unlock()
		msg := &proto.ClientMsg{Pub: &proto.MsgClientPub{ID: id, Topic: it.Topic,
			Head: map[string]any{"msgid": it.MsgID}, Content: it.Content}}
		if len(it.Attachments) > 0 {
			msg.Extra = &proto.MsgClientExtra{Attachments: it.Attachments}
		}
		err := c.write(gen, msg)
		if err != nil {
			return false
		}
	}
	return true
}

// onPubAck settles a send with the server's answer. A repeated msgid is
// answered 202 with the original seq and params.duplicate: the same as a
// first ack for us.
func (c *Client) onPubAck(ref pubRef, ctrl *proto.MsgServerCtrl) {
	verdict := paramString(ctrl.Params, "policy")
	switch code := ctrl.Code; {
	case code == proto.CodeAccepted && verdict == pool.PolicyReview:
		c.box.Remove(ref.msgid)
		c.policyVerdict(ref.topic, ref.msgid, verdict, nil, pool.InReview)
	case code == proto.CodeAccepted:
		c.box.Remove(ref.msgid)
		if verdict == pool.PolicyMasked {
			masked, _ := json.Marshal(ctrl.Params["content"])
			c.policyVerdict(ref.topic, ref.msgid, verdict, masked, -1)
		}
		c.confirm(ref, paramInt(ctrl.Params, "seq"), ctrl.Timestamp.Time)
	case code == proto.CodePolicy && verdict == pool.PolicyRejected:
		c.box.Remove(ref.msgid)
		c.policyVerdict(ref.topic, ref.msgid, verdict, nil, pool.Rejected)
	case code == proto.CodePolicy:
		c.box.Remove(ref.msgid)
		c.policyVerdict(ref.topic, ref.msgid, pool.PolicyBlocked, nil, pool.Blocked)
	case code == proto.CodeConflict:
		// Not attached (evicted meanwhile): attach again, then resend.
		if cv := c.lookup(ref.topic); cv != nil {
			cv.detach()
			gen, _ := c.live()
			go c.attach(context.Background(), gen, cv)
		}
		c.box.Retry(ref.msgid, time.Now(), retryDelay)
	case code == proto.CodeTooMany || code >= 500:
		c.box.Retry(ref.msgid, time.Now(), retryDelay)
		c.wake()
	case code >= 400:
		c.fail(ref.topic, ref.msgid, pool.Failed)
	}
}

func (c *Client) confirm(ref pubRef, seq int, ts time.Time) {
	cv := c.lookup(ref.topic)
	if cv == nil || seq <= 0 {
		return
	}
	cv.mu.Lock()
	cv.track.Add(seq)
	m, changed := cv.pool.Confirm(ref.msgid, seq, ts)
	gen := cv.attached
	cv.mu.Unlock()
	if changed {
		c.ev.statusOf(m)
	}
	c.fillGap(gen, cv)
	c.scheduleAck()
}

// fail takes a send out of the outbox and marks it Failed or Blocked.
func (c *Client) fail(topic, msgid string, s Status) {
	c.box.Remove(msgid)
	cv := c.lookup(topic)
	if cv == nil {
		return
	}
	cv.mu.Lock()
	m, changed := cv.pool.SetStatus(msgid, s)
	cv.mu.Unlock()
	if changed {
		c.ev.statusOf(m)
	}
}

// policyVerdict records the message policy's verdict on an own message
// and, unless status is negative, moves it to status. Subscribers hear of
// it through OnStatus even when only the verdict changed (a masked
// message's status changes when it is confirmed).
func (c *Client) policyVerdict(topic, msgid, verdict string, masked json.RawMessage, status Status) {
	cv := c.lookup(topic)
	if cv == nil {
		return
	}
	cv.mu.Lock()
	m := cv.pool.Get(msgid)
	changed := false
	if m != nil {
		m.SetPolicy(verdict, masked)
		if status >= 0 {
			_, changed = cv.pool.SetStatus(msgid, status)
		}
	}
	cv.mu.Unlock()
	if changed {
		c.ev.statusOf(m)
	}
}

// onReviewVerdict settles an own held message: approved, it takes its
// seq like any stored message; rejected, it is never delivered.
func (c *Client) onReviewVerdict(in *proto.MsgServerInfo) {
	var p struct {
		MsgID   string `json:"msgid"`
		Seq     int    `json:"seq"`
		Verdict string `json:"verdict"`
	}
	if json.Unmarshal(in.Payload, &p) != nil || p.MsgID == "" {
		return
	}
	switch p.Verdict {
	case pool.PolicyApproved:
		c.policyVerdict(in.Topic, p.MsgID, p.Verdict, nil, -1)
		c.confirm(pubRef{topic: in.Topic, msgid: p.MsgID}, p.Seq, time.Time{})
	case pool.PolicyRejected:
		c.policyVerdict(in.Topic, p.MsgID, p.Verdict, nil, pool.Rejected)
	}
}

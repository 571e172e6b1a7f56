package parley

import (
	"context"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/sdk/go/internal/pool"
	"github.com/parley-im/parley/sdk/go/internal/seqtrack"
)

// conv is one conversation: its pool, its received-seq tracker, and whether
// it is attached on the live connection.
type conv struct {
	topic string

	mu sync.Mutex
	// Guarded by mu.
	pool      *pool.Pool
	track     *seqtrack.Tracker
	attached  uint64 // connection gen the sub succeeded on
	attaching uint64 // connection gen a sub is in flight on
	busy      int    // fetches in flight; gaps are judged when none is
}

func newConv(topic string) *conv {
	return &conv{topic: topic, pool: pool.New(), track: seqtrack.New()}
}

func (cv *conv) detach() {
	cv.mu.Lock()
	cv.attached, cv.attaching, cv.busy = 0, 0, 0
	cv.mu.Unlock()
}

func (cv *conv) attachedOn(gen uint64) bool {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	return gen != 0 && cv.attached == gen
}

// conv returns the conversation for topic, creating it; created says so.
func (c *Client) conv(topic string) (cv *conv, created bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv = c.convs[topic]; cv == nil {
		cv = newConv(topic)
		c.convs[topic] = cv
		created = true
	}
	return cv, created
}

func (c *Client) lookup(topic string) *conv {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.convs[topic]
}

// Join attaches to topic ("usr…" for a one-to-one chat, "grp…", "new…"
// creates a group) and loads its recent history. While offline it only
// registers the topic; it is attached when the connection returns, and
// again after every reconnect.
func (c *Client) Join(ctx context.Context, topic string) error {
	cv, _ := c.conv(topic)
	gen, ready := c.live()
	if !ready {
		return nil
	}
	return c.attach(ctx, gen, cv)
}

// Messages returns topic's messages in display order.
func (c *Client) Messages(topic string) []*Message {
	cv := c.lookup(topic)
	if cv == nil {
		return nil
	}
	cv.mu.Lock()
	defer cv.mu.Unlock()
	return cv.pool.Items()
}

// attach subscribes cv on connection gen, then fetches what it missed:
// the description (for the topic's last seq), members' read marks, and the
// messages after the last one it has (or the recent history the first time).
func (c *Client) attach(ctx context.Context, gen uint64, cv *conv) error {
	cv.mu.Lock()
	if cv.attached == gen || cv.attaching == gen {
		cv.mu.Unlock()
		return nil
	}
	cv.attaching = gen
	cv.busy++
	cv.mu.Unlock()
	err := c.subscribe(ctx, gen, cv)
	cv.mu.Lock()
	if cv.attaching == gen {
		cv.attaching = 0
		cv.busy = max(cv.busy-1, 0)
	}
	if err == nil && !cv.track.Started() {
		cv.track.Start(0) // no description came: an empty topic
	}
	cv.mu.Unlock()
	c.fillGap(gen, cv)
	c.scheduleAck()
	return err
}

func (c *Client) subscribe(ctx context.Context, gen uint64, cv *conv) error {
	_, err := c.request(ctx, gen, func(id string) *proto.ClientMsg {
		return &proto.ClientMsg{Sub: &proto.MsgClientSub{ID: id, Topic: cv.topic}}
	}, nil)
	if ce, ok := err.(*CtrlError); ok && ce.Code == proto.CodeNotModified {
		err = nil // already attached on this connection
	}
	if err != nil {
		return err
	}
	cv.mu.Lock()
	cv.attached = gen
	data := &proto.MsgGetOpts{Limit: c.o.history}
	if cv.track.Started() {
		data = &proto.MsgGetOpts{SinceID: cv.track.Floor() + 1}
	}
	cv.mu.Unlock()
	c.wake() // sends may go now: showing what the user wrote comes first
	_, err = c.request(ctx, gen, func(id string) *proto.ClientMsg {
		return &proto.ClientMsg{Get: &proto.MsgClientGet{ID: id, Topic: cv.topic,
			MsgGetQuery: proto.MsgGetQuery{What: "desc sub data", Data: data}}}
	}, isDataEnd)
	return err
}

// isDataEnd recognises the ctrl that ends a get's data part.
func isDataEnd(ctrl *proto.MsgServerCtrl) bool { return paramString(ctrl.Params, "what") == "data" }

// fillGap fetches the first missing range of cv, one fetch at a time, until
// nothing is missing up to the topic's last known seq.
func (c *Client) fillGap(gen uint64, cv *conv) {
	cv.mu.Lock()
	lo, hi, ok := cv.track.Gap()
	if !ok || cv.busy > 0 || cv.attached != gen || gen == 0 {
		cv.mu.Unlock()
		return
	}
	cv.busy++
	cv.mu.Unlock()
	go func() {
		_, err := c.request(context.Background(), gen, func(id string) *proto.ClientMsg {
			return &proto.ClientMsg{Get: &proto.MsgClientGet{ID: id, Topic: cv.topic,
				MsgGetQuery: proto.MsgGetQuery{What: "data",
					Data: &proto.MsgGetOpts{SinceID: lo, BeforeID: hi, Limit: seqtrack.MaxSpan}}}}
		}, isDataEnd)
		cv.mu.Lock()
		cv.busy = max(cv.busy-1, 0)
		if err == nil {
			// The range fit in one page, so whatever did not come is gone.
			cv.track.Covered(lo, hi)
		}
		cv.mu.Unlock()
		if err == nil {
			c.fillGap(gen, cv)
			c.scheduleAck()
		}
	}()
}

// onData takes a message from the server into its conversation's pool.
func (c *Client) onData(d *proto.MsgServerData) {
	cv := c.lookup(d.Topic)
	if cv == nil {
		return
	}
	msgid := paramString(d.Head, "msgid")
	m := pool.NewRemote(d.Topic, msgid, d.From, d.From == c.UserID(), d.SeqID, d.Timestamp.Time, d.Head, d.Content)
	cv.mu.Lock()
	cv.track.Add(d.SeqID)
	res, pm := pool.Duplicate, (*pool.Message)(nil)
	if d.DeletedAt == nil && (cv.pool.Get(msgid) != nil || c.keep(m)) {
		res, pm = cv.pool.Insert(m)
	}
	gen := cv.attached
	cv.mu.Unlock()
	switch res {
	case pool.Added:
		c.ev.message.Publish(pm)
	case pool.Confirmed:
		// Stored, though its ack was lost: stop resending it.
		c.box.Remove(msgid)
		c.ev.statusOf(pm)
	}
	c.fillGap(gen, cv)
	c.scheduleAck()
}

// keep applies the application's filter at the source.
func (c *Client) keep(m *Message) bool { return c.o.filter == nil || c.o.filter(m) }

// onMeta learns the topic's last seq and the members' read marks.
func (c *Client) onMeta(m *proto.MsgServerMeta) {
	cv := c.lookup(m.Topic)
	if cv == nil {
		return
	}
	me := c.UserID()
	cv.mu.Lock()
	if m.Desc != nil {
		cv.track.Start(max(0, m.Desc.SeqID-c.o.history))
		cv.track.Exists(m.Desc.SeqID)
	}
	var changed []*Message
	for _, s := range m.Sub {
		if s.User != "" && s.User != me {
			changed = append(changed, cv.pool.MarkPeer(pool.Delivered, s.RecvSeqID)...)
			changed = append(changed, cv.pool.MarkPeer(pool.Read, s.ReadSeqID)...)
		}
	}
	cv.mu.Unlock()
	for _, msg := range changed {
		c.ev.statusOf(msg)
	}
}

// scheduleAck acknowledges received messages after the debounce, all
// conversations in one {datares} frame.
func (c *Client) scheduleAck() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ackTimer == nil {
		c.ackTimer = time.AfterFunc(c.o.ackDelay, c.flushAcks)
	}
}

func (c *Client) flushAcks() {
	c.mu.Lock()
	c.ackTimer = nil
	gen := c.gen
	convs := make([]*conv, 0, len(c.convs))
	for _, cv := range c.convs {
		convs = append(convs, cv)
	}
	c.mu.Unlock()
	var acks []proto.MsgTopicAck
	for _, cv := range convs {
		cv.mu.Lock()
		if seq, ok := cv.track.AckDue(); ok && cv.attached == gen && gen != 0 {
			acks = append(acks, proto.MsgTopicAck{Topic: cv.topic, Seq: seq})
		}
		cv.mu.Unlock()
	}
	if len(acks) == 0 {
		return
	}
	if c.write(gen, &proto.ClientMsg{DataRes: &proto.MsgClientDataRes{Acks: acks}}) != nil {
		return // re-sent after the next attach
	}
	for _, a := range acks {
		if cv := c.lookup(a.Topic); cv != nil {
			cv.mu.Lock()
			cv.track.Acked(a.Seq)
			cv.mu.Unlock()
		}
	}
}

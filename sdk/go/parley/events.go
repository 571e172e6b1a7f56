package parley

import (
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/sdk/go/internal/bus"
	"github.com/parley-im/parley/sdk/go/internal/pool"
)

// events are the application layer's streams.
type events struct {
	message *bus.Bus[*Message]
	status  *bus.Bus[StatusChange]
	typing  *bus.Bus[Typing]
	receipt *bus.Bus[Receipt]
	state   *bus.Bus[ConnState]
}

func newEvents() events {
	return events{message: bus.New[*Message](), status: bus.New[StatusChange](),
		typing: bus.New[Typing](), receipt: bus.New[Receipt](), state: bus.New[ConnState]()}
}

func (e events) close() {
	e.message.Close()
	e.status.Close()
	e.typing.Close()
	e.receipt.Close()
	e.state.Close()
}

// statusOf publishes m's current status and seq.
func (e events) statusOf(m *Message) {
	e.status.Publish(StatusChange{Message: m, Status: m.Status(), Seq: m.Seq()})
}

// OnMessage calls fn for every message that enters a pool: sent from here
// or received (and kept by the filter). Each subscriber runs on its own
// goroutine, in order. The returned func unsubscribes.
func (c *Client) OnMessage(fn func(*Message)) (unsubscribe func()) { return c.ev.message.Subscribe(fn) }

// OnStatus calls fn when a message's status or seq changes.
func (c *Client) OnStatus(fn func(StatusChange)) (unsubscribe func()) {
	return c.ev.status.Subscribe(fn)
}

// OnTyping calls fn when someone else is typing.
func (c *Client) OnTyping(fn func(Typing)) (unsubscribe func()) { return c.ev.typing.Subscribe(fn) }

// OnReceipt calls fn when someone else received or read messages.
func (c *Client) OnReceipt(fn func(Receipt)) (unsubscribe func()) {
	return c.ev.receipt.Subscribe(fn)
}

// OnState calls fn when the connection's state changes.
func (c *Client) OnState(fn func(ConnState)) (unsubscribe func()) { return c.ev.state.Subscribe(fn) }

// NoteRead tells the others that the user read topic up to seq.
func (c *Client) NoteRead(topic string, seq int) error {
	gen, _ := c.live()
	return c.write(gen, &proto.ClientMsg{Note: &proto.MsgClientNote{Topic: topic, What: "read", SeqID: seq}})
}

// NoteTyping tells the others that the user is typing in topic.
func (c *Client) NoteTyping(topic string) error {
	gen, _ := c.live()
	return c.write(gen, &proto.ClientMsg{Note: &proto.MsgClientNote{Topic: topic, What: "kp"}})
}

// onInfo turns others' notes into typing events, receipts, and status
// changes of our messages, and review verdicts on our held messages.
func (c *Client) onInfo(in *proto.MsgServerInfo) {
	if in.What == "review" {
		c.onReviewVerdict(in)
		return
	}
	if in.From == c.UserID() {
		return // our own other device
	}
	switch in.What {
	case "kp", "kpa", "kpv":
		c.ev.typing.Publish(Typing{Topic: in.Topic, From: in.From})
		return
	case "recv", "read":
	default:
		return
	}
	c.ev.receipt.Publish(Receipt{Topic: in.Topic, From: in.From, What: in.What, Seq: in.SeqID})
	cv := c.lookup(in.Topic)
	if cv == nil {
		return
	}
	s := pool.Delivered
	if in.What == "read" {
		s = pool.Read
	}
	cv.mu.Lock()
	changed := cv.pool.MarkPeer(s, in.SeqID)
	cv.mu.Unlock()
	for _, m := range changed {
		c.ev.statusOf(m)
	}
}

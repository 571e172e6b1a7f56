package hub

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// The customer-service layer's hold on topics: a service topic per
// customer, messages the server itself appends (conversation events),
// membership it gives and takes (the assigned agent), {info} to a topic's
// readers, and a hook on every stored message. Everything goes through
// the topic's actor, so server-made messages take the path of text: seq,
// dedup, durability before fan-out, retransmission, resume.

// serviceSalt separates a customer's service topic id from their user id
// (the topic name is derived, so no table maps one to the other).
const serviceSalt = 0x5a17_c0de_5e41_71ce

// ServiceTopic is the name of customer's service topic.
func ServiceTopic(customer proto.Uid) string {
	return proto.GroupName((uint64(customer) ^ serviceSalt) &^ (1 << 63))
}

// ErrNotGroup refuses membership changes outside group topics.
var ErrNotGroup = errors.New("hub: not a group topic")

// ModeCustomer is what a customer holds on their service topic: join,
// read, write, presence; never share, delete or own, so they cannot
// invite anyone, change access or delete the topic.
const ModeCustomer = proto.ModeJoin | proto.ModeRead | proto.ModeWrite | proto.ModePres

// OpenServiceTopic creates customer's service topic if it does not exist
// (no owner, no default access: only members get in) and makes sure the
// customer is a member. It returns the topic's name.
func (h *Hub) OpenServiceTopic(ctx context.Context, customer proto.Uid, public json.RawMessage) (string, error) {
	name := ServiceTopic(customer)
	// Most calls find the topic: a read, not a failing write, answers
	// them, so repeating service.open costs the writer nothing.
	if _, err := h.store.GetTopic(ctx, name); err == nil {
		return name, h.SetMember(ctx, name, customer, ModeCustomer, 0)
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	desc := store.Topic{Name: name, CreatedAt: now, UpdatedAt: now, TouchedAt: now, Epoch: NewEpoch(),
		Public: public, Tags: []string{"service"}}
	sub := store.Subscription{Topic: name, User: customer, CreatedAt: now, UpdatedAt: now,
		ModeWant: ModeCustomer, ModeGiven: ModeCustomer}
	err := h.store.CreateTopic(ctx, &desc, []store.Subscription{sub})
	if err == nil {
		return name, nil
	}
	if !errors.Is(err, store.ErrDuplicate) {
		return "", err
	}
	// The topic exists; the customer may have left it.
	return name, h.SetMember(ctx, name, customer, ModeCustomer, 0)
}

// SetMember gives uid mode on the group topic (creating the subscription
// if needed), or with ModeNone removes the subscription and detaches uid's
// sessions. uid's sessions hear {pres what=acs} on me, with actor as the
// one who changed it.
func (h *Hub) SetMember(ctx context.Context, topic string, uid proto.Uid, mode proto.AccessMode, actor proto.Uid) error {
	if c, remote := h.remoteOwner(topic); remote {
		_, err := c.Call(ctx, topic, ServiceCall{Member: &MemberCall{User: uid, Mode: mode, Actor: actor}})
		return err
	}
	done := make(chan error, 1)
	if !h.route(topic, &setMember{uid: uid, mode: mode, actor: actor, done: done}) {
		return errBusy
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errBusy = errors.New("hub: topic queue full or stopping")

type setMember struct {
	uid, actor proto.Uid
	mode       proto.AccessMode
	done       chan error
}

func (e *setMember) apply(t *topic) {
	e.done <- t.setMember(e.uid, e.mode, e.actor)
}

func (t *topic) setMember(uid proto.Uid, mode proto.AccessMode, actor proto.Uid) error {
	if err := t.load(); err != nil {
		return err
	}
	if t.kind != kindGroup {
		return ErrNotGroup
	}
	ctx, now := t.hub.ctx, time.Now().UTC()
	sub := t.subs[uid]
	switch {
	case mode == proto.ModeNone && sub == nil:
		return nil
	case mode == proto.ModeNone:
		if err := t.hub.store.DeleteSub(ctx, t.name, uid); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		delete(t.subs, uid)
		t.evictUser(uid, true, nil)
		t.notifyAcs(uid, actor, &store.Subscription{})
		return nil
	case sub == nil:
		sub = &store.Subscription{Topic: t.name, User: uid, CreatedAt: now, UpdatedAt: now, ModeWant: mode, ModeGiven: mode}
		if err := t.hub.store.CreateSub(ctx, sub); err != nil {
			return err
		}
		t.subs[uid] = sub
	case sub.ModeWant == mode && sub.ModeGiven == mode:
		return nil
	default:
		if err := t.hub.store.UpdateSub(ctx, t.name, uid, store.SubUpdate{UpdatedAt: now, ModeWant: &mode, ModeGiven: &mode}); err != nil {
			return err
		}
		sub.ModeWant, sub.ModeGiven, sub.UpdatedAt = mode, mode, now
	}
	t.notifyAcs(uid, actor, sub)
	return nil
}

// Post appends a message the server makes (from may be zero: the server
// itself) through the topic's write pipeline and returns its seq once it
// is durable and being fanned out. A repeated non-empty msgID returns the
// original seq.
func (h *Hub) Post(ctx context.Context, topic string, from proto.Uid, msgID string, head map[string]any, content any) (int, error) {
	raw, err := json.Marshal(content)
	if err != nil {
		return 0, err
	}
	if c, remote := h.remoteOwner(topic); remote {
		return c.Call(ctx, topic, ServiceCall{Post: &PostCall{From: from, MsgID: msgID, Head: head, Content: raw}})
	}
	return h.postRaw(ctx, topic, from, msgID, head, raw)
}

// postRaw is Post on this node, with content already JSON.
func (h *Hub) postRaw(ctx context.Context, topic string, from proto.Uid, msgID string, head map[string]any, raw json.RawMessage) (int, error) {
	if msgID != "" {
		if head == nil {
			head = map[string]any{}
		}
		head["msgid"] = msgID
	}
	done := make(chan store.AppendResult, 1)
	return h.appendThrough(ctx, topic, &post{from: from, msgID: msgID, head: head, content: raw, done: done}, done)
}

// appendThrough hands req, a write for topic's pipeline that answers on
// done, to the topic and waits for its seq.
func (h *Hub) appendThrough(ctx context.Context, topic string, req event, done <-chan store.AppendResult) (int, error) {
	if !h.route(topic, req) {
		return 0, errBusy
	}
	select {
	case res := <-done:
		return res.SeqID, res.Err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

type post struct {
	from    proto.Uid
	msgID   string
	head    map[string]any
	content json.RawMessage
	done    chan store.AppendResult
}

// system is the sender of server-made messages: it has no connection, so
// nothing is ever sent to it.
type system struct{}

func (system) SessionID() string    { return "server" }
func (system) UserID() proto.Uid    { return proto.ZeroUid }
func (system) AuthLevel() int       { return store.AuthRoot }
func (system) Send(Frame) bool      { return false }
func (system) SubDone(string, bool) {}
func (system) Detached(string)      {}
func (system) Gone() bool           { return false }
func (system) DeviceID() string     { return "" }

func (e *post) apply(t *topic) {
	if err := t.load(); err != nil {
		e.done <- store.AppendResult{Err: err}
		return
	}
	if t.kind != kindGroup {
		e.done <- store.AppendResult{Err: ErrNotGroup}
		return
	}
	msg := &store.Message{Topic: t.name, MsgID: e.msgID, From: e.from, CreatedAt: time.Now().UTC(),
		Head: e.head, Content: e.content}
	req := &Request{Sess: system{}, Msg: &proto.ClientMsg{Pub: &proto.MsgClientPub{Topic: t.name}},
		Topic: t.name, View: t.name}
	done := e.done
	t.pub.queue = append(t.pub.queue, pendingPub{req: req, msg: msg, done: func(r store.AppendResult) { done <- r }})
	t.pub.queued++
	t.pub.flush(t)
}

// TopicInfo sends {info} with what and payload to the sessions attached to
// topic, if it is running (nobody attached: nobody to tell).
func (h *Hub) TopicInfo(topic, what string, payload any) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return
	}
	if !h.routeLoadedLocal(topic, &topicInfo{what: what, payload: raw}) && h.place != nil && h.place.Remote(topic) {
		if c, ok := h.place.(ServiceCaller); ok {
			go c.Call(h.ctx, topic, ServiceCall{Info: &InfoCall{What: what, Payload: raw}})
		}
	}
}

// topicInfoRaw is TopicInfo on this node, with the payload already JSON.
func (h *Hub) topicInfoRaw(topic, what string, raw json.RawMessage) {
	h.routeLoadedLocal(topic, &topicInfo{what: what, payload: raw})
}

type topicInfo struct {
	what    string
	payload json.RawMessage
}

func (e *topicInfo) apply(t *topic) {
	for s, view := range t.attached {
		t.send(s, &proto.ServerMsg{Info: &proto.MsgServerInfo{Topic: view, What: e.what, Payload: e.payload}})
	}
}

// isService reports whether t is a service topic: a group without an
// owner. Every group a client creates has its creator as owner, and
// nobody can set it, so no other topic passes.
func (t *topic) isService() bool { return t.kind == kindGroup && t.desc.Owner == proto.ZeroUid }

// PublishHook is told of every new (not duplicate) message stored in a
// service topic. It runs in the topic's actor: it must not block.
type PublishHook func(topic string, from proto.Uid, seq int, head map[string]any)

// SetPublishHook installs fn; call it before serving.
func (h *Hub) SetPublishHook(fn PublishHook) { h.published = fn }

// InfoToUser sends {info what} with payload on uid's me topic, to the
// sessions attached to it (a supervisor's live desk view).
func (h *Hub) InfoToUser(uid proto.Uid, what string, payload any) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return
	}
	h.infoToUser(uid, &proto.MsgServerInfo{Topic: proto.TopicMe, What: what, Payload: raw}, nil)
}

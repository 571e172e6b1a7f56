package hub

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/parley-im/parley/internal/proto"
)

// The customer-service layer's writes (Post, SetMember, TopicInfo) need
// the topic's actor. In a cluster that actor may run on another node: the
// write then travels there as a ServiceCall and its outcome comes back, so
// a router on any node can post into any service topic.

// ServiceCall is a customer-service write for a topic owned by another
// node: exactly one of Post, Member and Info is set.
type ServiceCall struct {
	Post   *PostCall   `json:"post,omitempty"`
	Member *MemberCall `json:"member,omitempty"`
	Info   *InfoCall   `json:"info,omitempty"`
}

// PostCall is Post's arguments; Content is already JSON.
type PostCall struct {
	From    proto.Uid       `json:"from,omitempty"`
	MsgID   string          `json:"msgid,omitempty"`
	Head    map[string]any  `json:"head,omitempty"`
	Content json.RawMessage `json:"content"`
}

// MemberCall is SetMember's arguments.
type MemberCall struct {
	User  proto.Uid        `json:"user"`
	Mode  proto.AccessMode `json:"mode"`
	Actor proto.Uid        `json:"actor,omitempty"`
}

// InfoCall is TopicInfo's arguments; Payload is already JSON.
type InfoCall struct {
	What    string          `json:"what"`
	Payload json.RawMessage `json:"payload"`
}

// ServiceCaller is the part of a Placement that carries service calls to
// a topic's owner and answers with the seq of a post.
type ServiceCaller interface {
	Call(ctx context.Context, topic string, c ServiceCall) (int, error)
}

// ErrNoOwner is a service call's error when no live node owns the topic
// and this one could not take it.
var ErrNoOwner = errors.New("hub: no node owns the topic")

// remoteOwner reports whether topic is owned by another node, taking its
// lease for this node when it is free; it returns the caller to use.
func (h *Hub) remoteOwner(topic string) (ServiceCaller, bool) {
	if h.place == nil {
		return nil, false
	}
	c, ok := h.place.(ServiceCaller)
	if !ok {
		return nil, false
	}
	h.mu.RLock()
	running := h.topics[topic] != nil
	h.mu.RUnlock()
	if running {
		return nil, false
	}
	if _, local := h.place.Place(topic, true); local {
		return nil, false
	}
	return c, true
}

// Serve carries out a service call forwarded by another node on the local
// actor of topic and returns a post's seq.
func (h *Hub) Serve(ctx context.Context, topic string, c ServiceCall) (int, error) {
	switch {
	case c.Post != nil:
		return h.postRaw(ctx, topic, c.Post.From, c.Post.MsgID, c.Post.Head, c.Post.Content)
	case c.Member != nil:
		return 0, h.SetMember(ctx, topic, c.Member.User, c.Member.Mode, c.Member.Actor)
	case c.Info != nil:
		h.topicInfoRaw(topic, c.Info.What, c.Info.Payload)
		return 0, nil
	}
	return 0, errors.New("hub: empty service call")
}

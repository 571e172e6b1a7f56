// Package action is the registry behind Parley's {action} extension:
// business events such as agent status changes, transfers or robot questions
// travel as {action: {id, topic?, what, params}} and are answered by ctrl.
// Each "what" has one handler; the customer-service layer registers its own.
package action

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/proto"
)

// Caller is who sent an action, as handlers need to know it.
type Caller interface {
	SessionID() string
	UserID() proto.Uid
	AuthLevel() int
}

// Request is one action to handle.
type Request struct {
	Caller Caller
	Topic  string
	What   string
	Params json.RawMessage
}

// Result is a handler's answer: a ctrl code, its text and optional params.
type Result struct {
	Code   int
	Text   string
	Params map[string]any
}

// Handler handles one kind of action.
type Handler func(r *Request) Result

// Registry maps action names to handlers. It is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex // guards handlers
	handlers map[string]Handler
}

// NewRegistry returns a registry with the built-in actions: "ping", which
// answers with the server time, so clients can check the path end to end.
func NewRegistry() *Registry {
	r := &Registry{handlers: map[string]Handler{}}
	r.Register("ping", func(*Request) Result {
		return Result{Code: proto.CodeOK, Text: "ok", Params: map[string]any{"pong": proto.Now()}}
	})
	return r
}

// Register adds a handler; registering a name twice is a programming error.
func (r *Registry) Register(what string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[what]; dup {
		panic(fmt.Sprintf("action %q registered twice", what))
	}
	r.handlers[what] = h
}

// Names lists the registered actions, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.handlers))
	for n := range r.handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Handle runs the action's handler and builds the ctrl answer. An unknown
// action is answered 404 "unknown action".
func (r *Registry) Handle(id string, req *Request) *proto.ServerMsg {
	r.mu.RLock()
	h := r.handlers[req.What]
	r.mu.RUnlock()
	now := proto.TimeOf(time.Now())
	if h == nil {
		return proto.CtrlParams(id, req.Topic, proto.CodeNotFound, "unknown action",
			map[string]any{"what": req.What}, now)
	}
	res := h(req)
	return proto.CtrlParams(id, req.Topic, res.Code, res.Text, res.Params, now)
}

package desk

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/hub"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// actionTimeout bounds an action's wait for the router and the store.
const actionTimeout = 10 * time.Second

// maxReason bounds conv.close's reason (bytes).
const maxReason = 256

// Register adds the customer-service actions to reg. Every one checks the
// caller's role first (403), then the topic (404 when there is no open
// conversation), as docs/security.md's table says.
func (rt *Router) Register(reg *action.Registry) {
	for what, h := range rt.Handlers() {
		reg.Register(what, h)
	}
}

// Handlers are the customer-service actions by name: what Register adds.
// A cluster's other nodes hand the router's node their requests for them.
func (rt *Router) Handlers() map[string]action.Handler {
	return map[string]action.Handler{
		"service.open":   rt.serviceOpen,
		"conv.human":     rt.convHuman,
		"agent.status":   rt.agentStatus,
		"conv.transfer":  rt.convTransfer,
		"conv.close":     rt.convClose,
		"queue.position": rt.queuePosition,
		"desk.state":     rt.deskState,
		"conv.join":      rt.convJoin,
		"desk.metrics":   rt.deskMetrics,
		"conv.label":     rt.convLabel,
		"reply.list":     rt.replyList,
		"reply.save":     rt.replySave,
		"reply.delete":   rt.replyDelete,
	}
}

// ActionNames are the names of the customer-service actions, sorted.
func ActionNames() []string {
	var none *Router // method values of a nil router are never called
	names := make([]string, 0, 16)
	for what := range none.Handlers() {
		names = append(names, what)
	}
	slices.Sort(names)
	return names
}

// maxReportAge bounds how far back desk.metrics reads.
const maxReportAge = 90 * 24 * time.Hour

// deskMetrics reports on the conversations closed since params.since
// (RFC 3339; default: the last 24 hours).
func (rt *Router) deskMetrics(r *action.Request) action.Result {
	if !isSupervisor(rt.role(r)) {
		return forbidden
	}
	var p struct {
		Since string `json:"since"`
	}
	if !params(r, &p) {
		return malformed
	}
	since := time.Now().Add(-24 * time.Hour)
	if p.Since != "" {
		t, err := time.Parse(time.RFC3339, p.Since)
		if err != nil {
			return fail(proto.CodeMalformed, "since is an RFC 3339 time")
		}
		since = t
	}
	if oldest := time.Now().Add(-maxReportAge); since.Before(oldest) {
		since = oldest
	}
	c, cancel := ctx()
	defer cancel()
	rep, err := rt.Report(c, since)
	if err != nil {
		return errorResult(err)
	}
	return ok(map[string]any{"report": rep})
}

func ok(params map[string]any) action.Result {
	return action.Result{Code: proto.CodeOK, Text: "ok", Params: params}
}

func fail(code int, text string) action.Result { return action.Result{Code: code, Text: text} }

var (
	forbidden   = fail(proto.CodeForbidden, "forbidden")
	malformed   = fail(proto.CodeMalformed, "malformed")
	noConv      = fail(proto.CodeNotFound, "no open conversation")
	unknownTeam = fail(proto.CodeNotFound, "unknown team")
)

// errorResult maps routing and directory errors to ctrl answers.
func errorResult(err error) action.Result {
	switch {
	case errors.Is(err, ErrUnknownTeam):
		return unknownTeam
	case errors.Is(err, ErrNoConversation):
		return noConv
	case errors.Is(err, ErrInvalid):
		return fail(proto.CodeMalformed, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	case errors.Is(err, ErrNoSlot):
		return fail(proto.CodeConflict, "the agent is not online with a free slot")
	case errors.Is(err, ErrNotAgent):
		return fail(proto.CodeForbidden, "not in the staff")
	case errors.Is(err, store.ErrFenced):
		// Another node runs the router now: the client asks again.
		return fail(proto.CodeUnavailable, "the conversation router is moving, retry")
	}
	return fail(proto.CodeInternal, "internal error")
}

// params decodes an action's params into v; none is an empty object.
func params(r *action.Request, v any) bool {
	if len(r.Params) == 0 || string(r.Params) == "null" {
		return true
	}
	return json.Unmarshal(r.Params, v) == nil
}

func (rt *Router) role(r *action.Request) string { return rt.desk.Role(r.Caller.UserID()) }

func isStaff(role string) bool { return role != store.RoleCustomer }

func isSupervisor(role string) bool { return role == store.RoleSupervisor || role == store.RoleAdmin }

func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), actionTimeout)
}

func (rt *Router) serviceOpen(r *action.Request) action.Result {
	if rt.role(r) != store.RoleCustomer {
		return forbidden
	}
	var p struct {
		Team string `json:"team"`
	}
	if !params(r, &p) {
		return malformed
	}
	c, cancel := ctx()
	defer cancel()
	res, err := rt.Open(c, r.Caller.UserID(), p.Team)
	if err != nil {
		return errorResult(err)
	}
	return ok(openParams(res))
}

func openParams(res OpenResult) map[string]any {
	out := map[string]any{"topic": res.Topic, "state": res.State}
	if res.Position > 0 {
		out["position"] = res.Position
		if res.HasETA {
			out["eta"] = res.ETA
		}
	}
	return out
}

// convHuman asks for a person in the caller's own service topic: the
// robot hands the conversation to the agents, or a new one is opened for
// them.
func (rt *Router) convHuman(r *action.Request) action.Result {
	uid := r.Caller.UserID()
	if rt.role(r) != store.RoleCustomer || r.Topic != hub.ServiceTopic(uid) {
		return forbidden
	}
	c, cancel := ctx()
	defer cancel()
	res, err := rt.Human(c, uid)
	if err != nil {
		return errorResult(err)
	}
	out := openParams(res)
	delete(out, "topic")
	return ok(out)
}

func (rt *Router) agentStatus(r *action.Request) action.Result {
	if !isStaff(rt.role(r)) {
		return forbidden
	}
	var p struct {
		Status string `json:"status"`
	}
	if !params(r, &p) {
		return malformed
	}
	switch p.Status {
	case StatusOnline, StatusBusy, StatusAway, StatusOffline:
	default:
		return fail(proto.CodeMalformed, "status is online, busy, away or offline")
	}
	c, cancel := ctx()
	defer cancel()
	st, err := rt.SetStatus(c, r.Caller.UserID(), p.Status)
	if err != nil {
		return errorResult(err)
	}
	return ok(map[string]any{"status": st.Status, "load": st.Load, "capacity": st.Capacity})
}

// relation is how the caller stands to a topic's open conversation.
type relation int

const (
	foreign  relation = iota
	own               // the customer of the service topic
	assigned          // the agent holding the conversation
)

// relate finds the caller's relation to r.Topic and its open conversation.
func (rt *Router) relate(c context.Context, r *action.Request) (relation, store.Conversation, bool) {
	uid := r.Caller.UserID()
	conv, open := rt.Conversation(c, r.Topic)
	switch {
	case r.Topic != "" && r.Topic == hub.ServiceTopic(uid):
		return own, conv, open
	case open && conv.Agent == uid && uid != proto.ZeroUid:
		return assigned, conv, open
	}
	return foreign, conv, open
}

// mayManage: the assigned agent, or a supervisor or admin on any topic.
func mayManage(role string, rel relation) bool {
	return (role == store.RoleAgent && rel == assigned) || isSupervisor(role)
}

func (rt *Router) convTransfer(r *action.Request) action.Result {
	c, cancel := ctx()
	defer cancel()
	role := rt.role(r)
	rel, _, open := rt.relate(c, r)
	if !mayManage(role, rel) {
		return forbidden
	}
	var p struct {
		To string `json:"to"`
	}
	if !params(r, &p) {
		return malformed
	}
	var to proto.Uid
	team, isTeam := strings.CutPrefix(p.To, "team:")
	if !isTeam {
		team = ""
		if to = proto.ParseUserID(p.To); to == proto.ZeroUid {
			return fail(proto.CodeMalformed, `to is "usr…" or "team:NAME"`)
		}
	}
	if !open {
		return noConv
	}
	if err := rt.Transfer(c, r.Topic, r.Caller.UserID(), to, team); err != nil {
		return errorResult(err)
	}
	return ok(nil)
}

func (rt *Router) convClose(r *action.Request) action.Result {
	c, cancel := ctx()
	defer cancel()
	role := rt.role(r)
	rel, _, open := rt.relate(c, r)
	if !mayManage(role, rel) && !(role == store.RoleCustomer && rel == own) {
		return forbidden
	}
	var p struct {
		Reason string `json:"reason"`
	}
	if !params(r, &p) || len(p.Reason) > maxReason || !utf8.ValidString(p.Reason) {
		return fail(proto.CodeMalformed, "reason is a string of at most 256 bytes")
	}
	if !open {
		return noConv
	}
	if err := rt.Close(c, r.Topic, r.Caller.UserID(), p.Reason); err != nil {
		return errorResult(err)
	}
	return ok(nil)
}

func (rt *Router) queuePosition(r *action.Request) action.Result {
	c, cancel := ctx()
	defer cancel()
	role := rt.role(r)
	rel, _, _ := rt.relate(c, r)
	if !(role == store.RoleCustomer && rel == own) && !mayManage(role, rel) {
		return forbidden
	}
	return ok(positionParams(rt.Position(c, r.Topic)))
}

func (rt *Router) deskState(r *action.Request) action.Result {
	if !isSupervisor(rt.role(r)) {
		return forbidden
	}
	c, cancel := ctx()
	defer cancel()
	st, err := rt.State(c)
	if err != nil {
		return errorResult(err)
	}
	return ok(map[string]any{"agents": st.Agents, "queue": st.Queue, "queued": st.Queued})
}

// convJoin makes a supervisor or admin a member of any service topic, so
// they can read and write it (an extension of the wire contract).
func (rt *Router) convJoin(r *action.Request) action.Result {
	if !isSupervisor(rt.role(r)) {
		return forbidden
	}
	c, cancel := ctx()
	defer cancel()
	if _, err := rt.convs.GetConversation(c, r.Topic); err != nil {
		return noConv // only service topics, never any group
	}
	if err := rt.hub.SetMember(c, r.Topic, r.Caller.UserID(), ModeAgent, r.Caller.UserID()); err != nil {
		return errorResult(err)
	}
	return ok(nil)
}

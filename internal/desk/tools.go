package desk

import (
	"cmp"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/action"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Agent tools: labels on conversations and quick replies. Both are staff
// data: labels are kept with the conversation (never a message of the
// topic, so customers never see them), quick replies in the store.

// Bounds of what one member can make the server keep.
const (
	MaxLabels          = 20
	MaxRepliesPerOwner = 200
	MaxReplyText       = 4096
)

var labelPattern = regexp.MustCompile(`^[\pL\pN][\pL\pN_.-]{0,31}$`)

// EvLabeled is the internal event of a label change (saved, not posted).
const EvLabeled = "labeled"

// labels edits topic's open conversation's labels.
func (r *routing) labels(topic string, add, remove []string) ([]string, error) {
	c := r.convs[topic]
	if c == nil {
		return nil, ErrNoConversation
	}
	next := slices.DeleteFunc(slices.Clone(c.Labels), func(l string) bool { return slices.Contains(remove, l) })
	next = slices.Compact(slices.Sorted(slices.Values(append(next, add...))))
	if len(next) > MaxLabels {
		return nil, ErrInvalid
	}
	c.Labels = next
	r.emit(Event{Kind: EvLabeled, Conv: c.Conversation})
	return slices.Clone(next), nil
}

func validLabels(ls []string) bool {
	for _, l := range ls {
		if !labelPattern.MatchString(l) {
			return false
		}
	}
	return len(ls) <= MaxLabels
}

// convLabel: the assigned agent, a supervisor or an admin adds and
// removes labels of a conversation.
func (rt *Router) convLabel(r *action.Request) action.Result {
	c, cancel := ctx()
	defer cancel()
	rel, _, open := rt.relate(c, r)
	if !mayManage(rt.role(r), rel) {
		return forbidden
	}
	var p struct {
		Add    []string `json:"add"`
		Remove []string `json:"remove"`
	}
	if !params(r, &p) || !validLabels(p.Add) || len(p.Remove) > MaxLabels {
		return fail(proto.CodeMalformed, "labels are at most 20 of 1-32 letters, digits, '_', '.' or '-'")
	}
	if !open {
		return noConv
	}
	var labels []string
	var err error
	if derr := rt.do(c, func() { labels, err = rt.r.labels(r.Topic, p.Add, p.Remove) }); derr != nil {
		err = derr
	}
	if errors.Is(err, ErrInvalid) {
		return fail(proto.CodeMalformed, "at most 20 labels")
	} else if err != nil {
		return errorResult(err)
	}
	if labels == nil {
		labels = []string{}
	}
	return ok(map[string]any{"labels": labels})
}

// replyScope turns a scope ("personal" or "team:NAME") into a store owner
// and says whether the caller may change its replies: their own always,
// a team's if they are a supervisor or admin.
func (rt *Router) replyScope(uid proto.Uid, role, scope string) (string, bool, error) {
	if scope == "" || scope == "personal" {
		return uid.UserID(), true, nil
	}
	team, ok := strings.CutPrefix(scope, "team:")
	if !ok {
		return "", false, ErrInvalid
	}
	if _, known := rt.desk.Team(team); !known {
		return "", false, ErrUnknownTeam
	}
	return scope, isSupervisor(role), nil
}

type replyJSON struct {
	Scope string `json:"scope"`
	Key   string `json:"key"`
	Text  string `json:"text"`
}

// replyList: a staff member's personal replies and those of their teams.
func (rt *Router) replyList(r *action.Request) action.Result {
	role := rt.role(r)
	if !isStaff(role) || rt.replies == nil {
		return forbidden
	}
	uid := r.Caller.UserID()
	owners := []string{uid.UserID()}
	if m, ok := rt.desk.Member(uid); ok {
		for _, t := range m.Teams {
			owners = append(owners, "team:"+t)
		}
	}
	c, cancel := ctx()
	defer cancel()
	list, err := rt.replies.ListReplies(c, owners)
	if err != nil {
		return errorResult(err)
	}
	out := []replyJSON{}
	for _, rep := range list {
		scope := rep.Owner
		if scope == uid.UserID() {
			scope = "personal"
		}
		out = append(out, replyJSON{Scope: scope, Key: rep.Key, Text: rep.Text})
	}
	// By scope then key, as documented: the store orders by owner, and a
	// personal reply's owner (usr…) sorts after the teams' (team:…).
	slices.SortFunc(out, func(a, b replyJSON) int {
		return cmp.Or(cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Key, b.Key))
	})
	return ok(map[string]any{"replies": out})
}

// replySave creates or replaces a quick reply.
func (rt *Router) replySave(r *action.Request) action.Result {
	return rt.replyChange(r, true)
}

// replyDelete removes a quick reply.
func (rt *Router) replyDelete(r *action.Request) action.Result {
	return rt.replyChange(r, false)
}

func (rt *Router) replyChange(r *action.Request, save bool) action.Result {
	role := rt.role(r)
	if !isStaff(role) || rt.replies == nil {
		return forbidden
	}
	var p replyJSON
	if !params(r, &p) || !labelPattern.MatchString(p.Key) ||
		(save && (p.Text == "" || len(p.Text) > MaxReplyText || !utf8.ValidString(p.Text))) {
		return fail(proto.CodeMalformed, "key is 1-32 letters, digits, '_', '.' or '-'; text 1-4096 bytes")
	}
	owner, may, err := rt.replyScope(r.Caller.UserID(), role, p.Scope)
	switch {
	case errors.Is(err, ErrInvalid):
		return fail(proto.CodeMalformed, `scope is "personal" or "team:NAME"`)
	case err != nil:
		return errorResult(err)
	case !may:
		return forbidden
	}
	c, cancel := ctx()
	defer cancel()
	if !save {
		if err := rt.replies.DeleteReply(rt.fenceCtx(c), owner, p.Key); errors.Is(err, store.ErrNotFound) {
			return fail(proto.CodeNotFound, "no such reply")
		} else if err != nil {
			if errors.Is(err, store.ErrFenced) {
				rt.wasFenced("")
			}
			return errorResult(err)
		}
		return ok(nil)
	}
	existing, err := rt.replies.ListReplies(c, []string{owner})
	if err != nil {
		return errorResult(err)
	}
	if len(existing) >= MaxRepliesPerOwner &&
		!slices.ContainsFunc(existing, func(x store.Reply) bool { return x.Key == p.Key }) {
		return fail(proto.CodePolicy, "at most 200 quick replies per scope")
	}
	rep := store.Reply{Owner: owner, Key: p.Key, Text: p.Text, UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := rt.replies.SaveReply(rt.fenceCtx(c), &rep); err != nil {
		if errors.Is(err, store.ErrFenced) {
			rt.wasFenced("")
		}
		return errorResult(err)
	}
	return ok(nil)
}

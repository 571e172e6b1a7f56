package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// Rich messages, as Tinode clients send them. The content stays opaque to
// the server (Drafty or a plain string), except for what it refers to:
// head.reply and head.replace name a seq of the topic (":123"), and a
// Drafty document's format spans must point at entities it has, and the
// files its entities refer to must be among the message's attachments.
//
// An edit (head.replace) is a new message with its own seq, never a change
// of the old one: every device sees it in the order of the topic, by push
// or by paging history after any reconnect, and shows the newest version
// of the replaced seq (the highest seq naming it). A recall is an edit
// whose content is the empty string. Only the author may edit, and only
// within the edit window after the original was sent.

// Errors of edits, answered as ctrl codes by editErr.
var (
	errNotAuthor   = errors.New("only the author may edit a message")
	errEditTooLate = errors.New("the edit window has passed")
	errNoOriginal  = errors.New("the message to edit does not exist")
)

// seqRef parses a head value naming a seq (":123"); present is false when
// the key is absent, ok false when it is malformed or names no seq the
// topic has.
func seqRef(head map[string]any, key string, last int) (seq int, present, ok bool) {
	v, present := head[key]
	if !present {
		return 0, false, true
	}
	s, isStr := v.(string)
	if !isStr {
		return 0, true, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, ":"))
	if err != nil || !strings.HasPrefix(s, ":") || n < 1 || n > last {
		return 0, true, false
	}
	return n, true, true
}

// drafty is the part of a Drafty document the server checks.
type drafty struct {
	Fmt []struct {
		Key *int `json:"key"`
	} `json:"fmt"`
	Ent []struct {
		Tp   string `json:"tp"`
		Data struct {
			Ref    any `json:"ref"`
			Preref any `json:"preref"`
		} `json:"data"`
	} `json:"ent"`
}

// validDrafty reports whether content, when it is a Drafty document (a JSON
// object), is consistent in what it refers to: each format span's key names
// one of its entities, each entity has a type, and each entity's ref or
// preref that points at this server's files is one of the message's
// attachments (so it was linked, and its readers may download it). Any
// other content (a string, a number) is opaque and valid.
func validDrafty(content json.RawMessage, attached []string) bool {
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 || trimmed[0] != '{' || !mayReferTo(trimmed) {
		return true
	}
	return checkDrafty(trimmed, attached)
}

// checkDrafty decodes a Drafty object and checks what it refers to.
func checkDrafty(object []byte, attached []string) bool {
	var d drafty
	if json.Unmarshal(object, &d) != nil {
		return false
	}
	for _, f := range d.Fmt {
		if f.Key != nil && (*f.Key < 0 || *f.Key >= len(d.Ent)) {
			return false
		}
	}
	for _, e := range d.Ent {
		if e.Tp == "" {
			return false
		}
		for _, ref := range []any{e.Data.Ref, e.Data.Preref} {
			if !validRef(ref, attached) {
				return false
			}
		}
	}
	return true
}

// mayReferTo reports whether a JSON object could hold format spans or
// entities, the only parts of a Drafty document there is anything to check
// in. encoding/json matches a key in any letter case (no letter of "fmt" or
// "ent" has a non-ASCII case form) and through escapes, so any backslash,
// or either word in any case anywhere in the bytes, says it could; without
// them the document decodes with neither, and needs no decoding. Content
// is valid JSON here: every path into the hub checks it.
func mayReferTo(object []byte) bool {
	if bytes.IndexByte(object, '\\') >= 0 {
		return true
	}
	for i := 0; i+3 <= len(object); i++ {
		if w := object[i : i+3]; bytes.EqualFold(w, []byte("fmt")) || bytes.EqualFold(w, []byte("ent")) {
			return true
		}
	}
	return false
}

// validRef: absent, or a string that, if it names one of this server's
// files, is attached.
func validRef(ref any, attached []string) bool {
	if ref == nil {
		return true
	}
	s, ok := ref.(string)
	if !ok {
		return false
	}
	ids, _ := pubAttachments(map[string]any{"attachments": []any{s}}, nil)
	for _, id := range ids {
		found := false
		for _, a := range attached {
			found = found || a == id
		}
		if !found {
			return false
		}
	}
	return true
}

// checkEdit looks up the message pp replaces: it must exist, be the
// sender's, and be younger than the edit window. It reads the store, so it
// runs with the batch, off the actor.
func (t *topic) checkEdit(ctx context.Context, pp *pendingPub) error {
	msgs, err := t.hub.store.GetMessages(ctx, t.name, pp.msg.From,
		store.MessageQuery{Since: pp.replaces, Before: pp.replaces + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(msgs) == 0 || !msgs[0].DeletedAt.IsZero() {
		return errNoOriginal
	}
	if msgs[0].From != pp.msg.From {
		return errNotAuthor
	}
	window := t.hub.limits.EditWindow
	if window <= 0 || pp.msg.CreatedAt.Sub(msgs[0].CreatedAt) > window {
		return errEditTooLate
	}
	return nil
}

// editErr is the answer to a refused edit, or nil for other errors.
func editErr(r *Request, err error) *proto.ServerMsg {
	now := proto.Now()
	switch {
	case errors.Is(err, errNotAuthor), errors.Is(err, errEditTooLate):
		return proto.Ctrl(r.Msg.ID(), r.View, proto.CodeForbidden, err.Error(), now)
	case errors.Is(err, errNoOriginal):
		return proto.Ctrl(r.Msg.ID(), r.View, proto.CodeNotFound, err.Error(), now)
	}
	return nil
}

// DefaultEditWindow is how long after sending a message its author may
// edit or recall it, when no window is configured.
const DefaultEditWindow = 10 * time.Minute

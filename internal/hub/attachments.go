package hub

import (
	"context"
	"strings"

	"github.com/parley-im/parley/internal/proto"
)

// maxAttachments bounds head.attachments: each is a link to write with the
// message.
const maxAttachments = 16

// fileURLPath is where the server serves uploads (the server's fileServe).
const fileURLPath = "/v0/file/s/"

// pubAttachments returns the ids of the uploads a pub refers to, as Tinode
// clients list the files of a Drafty message: tinode-sdk 0.25 in the
// message's extra.attachments, older clients in head.attachments; both are
// relative or absolute URLs of the file endpoint. Entries that are not such
// URLs are left alone (they may point elsewhere). Attachments that are not
// a short list of strings are malformed.
func pubAttachments(head map[string]any, extra *proto.MsgClientExtra) ([]string, bool) {
	var refs []string
	if extra != nil {
		refs = append(refs, extra.Attachments...)
	}
	if v, present := head["attachments"]; present {
		list, ok := v.([]any)
		if !ok || len(list) > maxAttachments {
			return nil, false
		}
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			refs = append(refs, s)
		}
	}
	if len(refs) > maxAttachments {
		return nil, false
	}
	var ids []string
	for _, ref := range refs {
		if _, rest, found := strings.Cut(ref, fileURLPath); found {
			id, _, _ := strings.Cut(rest, ".")
			id, _, _ = strings.Cut(id, "?")
			if id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids, true
}

// linkAttachments links the batch's attachments to the topic before the
// messages are stored, so a stored message's files are never collected as
// unsent. Only the sender's own uploads (or files already in the topic) are
// linked; a file named but not linked stays unreadable to the others.
func (t *topic) linkAttachments(ctx context.Context, batch []pendingPub) error {
	for i := range batch {
		if ids := batch[i].files; len(ids) > 0 {
			if _, err := t.hub.store.LinkFiles(ctx, t.name, batch[i].msg.From, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

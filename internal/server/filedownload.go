package server

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/parley-im/parley/internal/files"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
)

// download serves a file to its uploader and to members with read access
// of a conversation a message sent it to. The type is the one sniffed at
// upload; nosniff keeps browsers from guessing another, and the sandbox
// policy keeps anything opened directly from running.
func (fs *fileService) download(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fs.refuse(w, r, errBadMethod)
		return
	}
	uid, err := fs.user(r)
	if err != nil {
		fs.refuse(w, r, err)
		return
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, fileServe), ".")
	if !files.ValidID(id) {
		fs.refuse(w, r, errNoFile)
		return
	}
	rec, err := fs.store.GetFile(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		fs.refuse(w, r, errNoFile)
		return
	}
	if err != nil {
		fs.refuse(w, r, errStoreFault)
		return
	}
	if ok, err := fs.mayRead(r.Context(), rec, uid); err != nil {
		fs.refuse(w, r, errStoreFault)
		return
	} else if !ok {
		fs.refuse(w, r, errNotMember)
		return
	}
	blob, err := fs.blobs.Open(id)
	if errors.Is(err, files.ErrNotFound) {
		fs.refuse(w, r, errNoFile)
		return
	}
	if err != nil {
		fs.refuse(w, r, errStoreFault)
		return
	}
	defer blob.Close()
	h := w.Header()
	h.Set("Content-Type", rec.MimeType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("Content-Disposition", disposition(rec, r.URL.Query().Get("asatt") == "1"))
	http.ServeContent(w, r, "", rec.CreatedAt, blob)
}

// mayRead reports whether uid uploaded the file or may read a topic it was
// sent to.
func (fs *fileService) mayRead(ctx context.Context, rec *store.File, uid proto.Uid) (bool, error) {
	if rec.Owner == uid {
		return true, nil
	}
	for _, topic := range rec.Topics {
		sub, err := fs.store.GetSub(ctx, topic, uid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if sub.Mode().IsSet(proto.ModeRead) {
			return true, nil
		}
	}
	return false, nil
}

// disposition shows images inline (the app puts them in <img>) and makes
// everything else a download, named as uploaded.
func disposition(rec *store.File, asAttachment bool) string {
	kind := "attachment"
	if files.IsImage(rec.MimeType) && !asAttachment {
		kind = "inline"
	}
	name := rec.Name
	if name == "" {
		name = rec.ID + extension(rec.MimeType)
	}
	if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
		return v
	}
	return kind
}

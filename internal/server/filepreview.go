package server

import (
	"bytes"
	"context"
	"time"

	"github.com/parley-im/parley/internal/files"
	"github.com/parley-im/parley/internal/store"
)

// previewMaxPixels bounds the images decoded for a preview: decoding holds
// the whole image (up to 4 bytes a pixel), so larger ones get none.
const previewMaxPixels = 16_000_000

// previewsAtOnce bounds the previews being made, so concurrent image
// uploads cannot multiply that memory.
const previewsAtOnce = 2

// preview makes a small JPEG of an uploaded image, stored as a file of its
// own (the uploader's, unsent until a message names it, as Drafty's preref
// does), and returns its URL; "" when the file is no image, is too large,
// or anything fails: a preview is a convenience, never a reason to refuse.
func (fs *fileService) preview(ctx context.Context, rec *store.File) string {
	if !files.IsImage(rec.MimeType) {
		return ""
	}
	select {
	case fs.previews <- struct{}{}:
		defer func() { <-fs.previews }()
	case <-ctx.Done():
		return ""
	}
	src, err := fs.blobs.Open(rec.ID)
	if err != nil {
		return ""
	}
	defer src.Close()
	var buf bytes.Buffer
	w, h, err := files.Preview(&buf, src, previewMaxPixels)
	if err != nil {
		return ""
	}
	pre := &store.File{ID: files.NewID(), Owner: rec.Owner, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
		MimeType: "image/jpeg", Size: int64(buf.Len()), Name: "preview.jpg", Width: w, Height: h}
	pending, err := fs.blobs.Create(pre.ID)
	if err != nil {
		return ""
	}
	if _, err := pending.Write(buf.Bytes()); err != nil {
		pending.Abort()
		return ""
	}
	if err := fs.store.CreateFile(ctx, pre); err != nil {
		pending.Abort()
		return ""
	}
	if err := pending.Commit(); err != nil {
		fs.store.DeleteFile(context.WithoutCancel(ctx), pre.ID)
		return ""
	}
	return fileServe + pre.ID + ".jpg"
}

package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/files"
	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/internal/store"
	"golang.org/x/time/rate"
)

// Tinode's file endpoints: tinode-sdk uploads with a multipart POST to
// fileUpload and downloads what a message links to from fileServe.
const (
	fileUpload = "/v0/file/u/"
	fileServe  = "/v0/file/s/"
)

// multipartSlack is what a multipart body may carry beyond the file: part
// headers, the boundaries and tinode-sdk's small "id" and "topic" fields.
const multipartSlack = 16 << 10

// maxFormField bounds a non-file form field; tinode-sdk sends short ids.
const maxFormField = 1 << 10

// fileService serves uploads and downloads. Bytes go to blobs, records to
// the store; a user is named by a login token, as tinode-sdk sends it.
type fileService struct {
	store      store.Store
	blobs      files.Blobs
	tokens     *auth.Tokens
	limits     files.Limits
	maxPending int
	log        *slog.Logger
	logEvery   *rate.Sometimes // refusals are logged at most once a second
	previews   chan struct{}   // a slot per preview being made (filepreview.go)
}

// fileRoutes serves the file endpoints with CORS (the web app uploads from
// its own origin), the origin allow-list and the API key check, as Tinode
// does.
func (s *Server) fileRoutes(mux *http.ServeMux) {
	wrap := func(h http.HandlerFunc) http.Handler { return s.cors(s.requireOrigin(s.requireAPIKey(h))) }
	mux.Handle(fileUpload, wrap(s.files.upload))
	mux.Handle(fileServe, wrap(s.files.download))
}

// refusal is a documented answer to a file request (docs/protocol.md).
type refusal struct {
	status int
	text   string
}

func (e *refusal) Error() string { return e.text }

var (
	errNoAuth     = &refusal{http.StatusUnauthorized, "authentication required"}
	errNotMember  = &refusal{http.StatusForbidden, "not a member of the conversation"}
	errNoFile     = &refusal{http.StatusNotFound, "file not found"}
	errBadName    = &refusal{http.StatusBadRequest, "bad file name"}
	errNoForm     = &refusal{http.StatusBadRequest, "expected multipart/form-data with a file"}
	errTruncated  = &refusal{http.StatusBadRequest, "upload truncated"}
	errTooLarge   = &refusal{http.StatusRequestEntityTooLarge, files.ErrTooLarge.Error()}
	errTooMany    = &refusal{http.StatusTooManyRequests, "too many uploads not yet sent"}
	errBadMethod  = &refusal{http.StatusMethodNotAllowed, "method not allowed"}
	errStoreFault = &refusal{http.StatusInternalServerError, "internal error"}
)

// refuse answers err (a *refusal, or a content check of files.Copy) and
// logs why, rate limited.
func (fs *fileService) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var rf *refusal
	switch {
	case errors.As(err, &rf):
	case errors.Is(err, files.ErrEmpty):
		rf = &refusal{http.StatusBadRequest, err.Error()}
	case errors.Is(err, files.ErrTooLarge):
		rf = errTooLarge
	case errors.Is(err, files.ErrActive), errors.Is(err, files.ErrTypeLies):
		rf = &refusal{http.StatusUnsupportedMediaType, err.Error()}
	case errors.Is(err, files.ErrBadImage), errors.Is(err, files.ErrTooManyPix):
		rf = &refusal{http.StatusUnprocessableEntity, err.Error()}
	default:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			rf = errTooLarge
		} else {
			rf = errTruncated
		}
	}
	fs.logEvery.Do(func() {
		fs.log.Warn("file request refused", "why", rf.text, "err", err, "method", r.Method,
			"path", r.URL.Path, "remote", r.RemoteAddr)
	})
	writeCtrl(w, rf.status, rf.text)
}

// user authenticates a file request as tinode-sdk does it: the header
// "X-Tinode-Auth: Token <token>", or, for URLs a browser loads by itself
// (an <img>), the query "auth=token&secret=<token>".
func (fs *fileService) user(r *http.Request) (proto.Uid, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("X-Tinode-Auth"), "Token ")
	if !ok {
		q := r.URL.Query()
		if q.Get("auth") != "token" {
			return 0, errNoAuth
		}
		// A "+" in an unescaped query arrives as a space.
		raw = strings.ReplaceAll(q.Get("secret"), " ", "+")
	}
	tok, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return 0, errNoAuth
	}
	c, err := fs.tokens.Verify(tok)
	if err != nil {
		return 0, errNoAuth
	}
	u, err := fs.store.GetUser(r.Context(), c.UID)
	if err != nil || auth.GenSerial(u.TokenGen) != c.Gen {
		return 0, errNoAuth // deleted account, or a revoked token
	}
	return c.UID, nil
}

// upload stores the "file" part of a multipart POST and answers its URL.
func (fs *fileService) upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fs.refuse(w, r, errBadMethod)
		return
	}
	uid, err := fs.user(r)
	if err != nil {
		fs.refuse(w, r, err)
		return
	}
	if n, err := fs.store.PendingFiles(r.Context(), uid); err != nil {
		fs.refuse(w, r, errStoreFault)
		return
	} else if n >= fs.maxPending {
		fs.refuse(w, r, errTooMany)
		return
	}
	// The body is read up to the limit even when Content-Length says it is
	// over: a client that is still sending when the answer comes sees a
	// reset instead of the 413, and net/http drains a short excess after
	// the handler so the answer gets through.
	r.Body = http.MaxBytesReader(w, r.Body, fs.limits.MaxSize+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		fs.refuse(w, r, errNoForm)
		return
	}
	rec, reqID, err := fs.receive(r.Context(), mr, uid)
	if err != nil {
		fs.refuse(w, r, err)
		return
	}
	params := map[string]any{"url": fileServe + rec.ID + extension(rec.MimeType)}
	if rec.Width > 0 {
		params["width"], params["height"] = rec.Width, rec.Height
		if pre := fs.preview(r.Context(), rec); pre != "" {
			params["preview"] = pre
		}
	}
	b, _ := proto.Encode(proto.CtrlParams(reqID, "", http.StatusOK, "ok", params, proto.Now()))
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// receive reads the whole form: exactly one file part, stored, and small
// fields; the request id field is echoed. Nothing is kept unless the form
// ends properly.
func (fs *fileService) receive(ctx context.Context, mr *multipart.Reader, uid proto.Uid) (*store.File, string, error) {
	var pending files.Pending
	var rec *store.File
	var reqID string
	defer func() {
		if pending != nil {
			pending.Abort()
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		if part.FormName() != "file" {
			v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return nil, "", err
			}
			if part.FormName() == "id" && len(v) <= maxFormField {
				reqID = string(v)
			}
			continue
		}
		if rec != nil {
			return nil, "", errNoForm // one file per request
		}
		if rec, pending, err = fs.receiveFile(part, uid); err != nil {
			return nil, "", err
		}
	}
	if rec == nil {
		return nil, "", errNoForm
	}
	if err := fs.store.CreateFile(ctx, rec); err != nil {
		return nil, "", errStoreFault
	}
	// The record goes first: a crash before the commit leaves a record
	// without bytes, which the collector removes, never bytes nobody knows.
	if err := pending.Commit(); err != nil {
		pending = nil
		fs.store.DeleteFile(context.WithoutCancel(ctx), rec.ID)
		return nil, "", errStoreFault
	}
	pending = nil
	return rec, reqID, nil
}

// receiveFile streams one file part into a new blob, checking it on the way.
func (fs *fileService) receiveFile(part *multipart.Part, uid proto.Uid) (*store.File, files.Pending, error) {
	name, err := fileName(part)
	if err != nil {
		return nil, nil, err
	}
	id := files.NewID()
	pending, err := fs.blobs.Create(id)
	if err != nil {
		fs.log.Error("file: creating blob", "err", err)
		return nil, nil, errStoreFault
	}
	info, err := files.Copy(pending, part, part.Header.Get("Content-Type"), fs.limits)
	if err != nil {
		pending.Abort()
		return nil, nil, err
	}
	rec := &store.File{ID: id, Owner: uid, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
		MimeType: info.MimeType, Size: info.Size, Name: name, Width: info.Width, Height: info.Height}
	return rec, pending, nil
}

// maxFileName bounds the name kept for Content-Disposition.
const maxFileName = 255

// fileName is the part's file name, refused when it names a path (a "/",
// "\" or ".." would try to escape wherever a careless receiver saves it)
// or holds control characters. multipart.Part.FileName would silently keep
// only the last element; the raw parameter is checked instead.
func fileName(part *multipart.Part) (string, error) {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return "", errBadName
	}
	name := params["filename"]
	if len(name) > maxFileName || strings.ContainsAny(name, `/\`) || name == "." || strings.Contains(name, "..") {
		return "", errBadName
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\ufffd' {
			return "", errBadName
		}
	}
	return name, nil
}

// extension names a type in the URL, as Tinode's URLs end in one; it is
// never read back: the type served is the record's.
func extension(mimeType string) string {
	switch mimeType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case "text/plain; charset=utf-8":
		return ".txt"
	}
	return ""
}

// newFileService opens the blob directory under the data directory.
func newFileService(cfg *Config, st store.Store, tokens *auth.Tokens, log *slog.Logger) (*fileService, error) {
	blobs, err := files.OpenDir(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		return nil, fmt.Errorf("file storage: %w", err)
	}
	return &fileService{store: st, blobs: blobs, tokens: tokens, log: log,
		limits:     files.Limits{MaxSize: int64(cfg.FileMaxSize), MaxPixels: cfg.FileMaxPixels},
		maxPending: cfg.FileMaxPending, logEvery: &rate.Sometimes{Interval: time.Second},
		previews: make(chan struct{}, previewsAtOnce)}, nil
}

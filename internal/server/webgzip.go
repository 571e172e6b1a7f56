package server

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// compressible tells the built assets worth compressing by their
// extension; images and fonts are compressed already.
func compressible(ext string) bool {
	switch ext {
	case ".js", ".css", ".svg", ".json", ".html", ".map":
		return true
	}
	return false
}

// gzipCache holds the gzip-compressed form of an app's assets. The files
// are embedded in the binary and never change, so each is compressed once,
// on its first request, and kept.
type gzipCache struct {
	app   fs.FS
	mu    sync.Mutex
	files map[string][]byte
}

func newGzipCache(app fs.FS) *gzipCache {
	return &gzipCache{app: app, files: map[string][]byte{}}
}

// serve sends the file rel compressed when the client accepts gzip and the
// file is worth it, and reports whether it did.
func (c *gzipCache) serve(w http.ResponseWriter, r *http.Request, rel string) bool {
	if !compressible(path.Ext(rel)) || !acceptsGzip(r) {
		return false
	}
	gz, err := c.get(rel)
	if err != nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	if ct := mime.TypeByExtension(path.Ext(rel)); ct != "" {
		h.Set("Content-Type", ct)
	}
	// Embedded files carry no modification time; the asset names carry a
	// content hash instead, and the caller sets their Cache-Control.
	http.ServeContent(w, r, rel, time.Time{}, bytes.NewReader(gz))
	return true
}

func (c *gzipCache) get(rel string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gz, ok := c.files[rel]; ok {
		return gz, nil
	}
	raw, err := fs.ReadFile(c.app, rel)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level: no error
	zw.Write(raw)
	zw.Close()
	c.files[rel] = b.Bytes()
	return c.files[rel], nil
}

// acceptsGzip reports whether the request's Accept-Encoding lists gzip
// without refusing it (q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

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

// gzipTypes are the built files worth compressing: text. Images and fonts
// are compressed already.
var gzipTypes = map[string]bool{".js": true, ".css": true, ".html": true, ".svg": true, ".json": true, ".map": true}

// gzipFiles serves an app's text files gzip-compressed to browsers that
// accept it. An embedded app never changes while the server runs, so each
// file is compressed once, on its first request, and kept: the widget's
// script is a third of its size on the wire, which is what a customer on a
// phone waits for on a merchant's page.
type gzipFiles struct {
	app fs.FS
	mu  sync.Mutex
	gz  map[string][]byte
}

func newGzipFiles(app fs.FS) *gzipFiles {
	return &gzipFiles{app: app, gz: make(map[string][]byte)}
}

// serve writes rel compressed and reports true, or reports false (the
// client does not take gzip, the type is not text, or a range was asked)
// and leaves the answer to the caller.
func (g *gzipFiles) serve(w http.ResponseWriter, r *http.Request, rel string) bool {
	ext := path.Ext(rel)
	if !gzipTypes[ext] || r.Header.Get("Range") != "" || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		return false
	}
	body, err := g.compressed(rel)
	if err != nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	if ct := mime.TypeByExtension(ext); ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body)) // embedded files have no time
	return true
}

func (g *gzipFiles) compressed(rel string) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b, ok := g.gz[rel]; ok {
		return b, nil
	}
	raw, err := fs.ReadFile(g.app, rel)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	zw.Write(raw)
	zw.Close()
	g.gz[rel] = buf.Bytes()
	return g.gz[rel], nil
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

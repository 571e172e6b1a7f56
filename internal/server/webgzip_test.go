package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestGzipFilesServesTextCompressedOnlyWhenAccepted(t *testing.T) {
	script := bytes.Repeat([]byte("console.log('parley widget');\n"), 200)
	app := fstest.MapFS{
		"assets/app.js": {Data: script},
		"logo.png":      {Data: []byte("\x89PNG not really")},
	}
	g := newGzipFiles(app)
	cases := []struct {
		name, rel, accept, rangeHdr string
		served                      bool
	}{
		{"gzip accepted", "assets/app.js", "gzip, deflate, br", "", true},
		{"gzip with a weight", "assets/app.js", "br;q=1.0, gzip;q=0.8", "", true},
		{"gzip refused by q=0", "assets/app.js", "gzip;q=0", "", false},
		{"no gzip", "assets/app.js", "br", "", false},
		{"no header", "assets/app.js", "", "", false},
		{"an image", "logo.png", "gzip", "", false},
		{"a range", "assets/app.js", "gzip", "bytes=0-9", false},
		{"a missing file", "assets/none.js", "gzip", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/widget/"+c.rel, nil)
			if c.accept != "" {
				r.Header.Set("Accept-Encoding", c.accept)
			}
			if c.rangeHdr != "" {
				r.Header.Set("Range", c.rangeHdr)
			}
			w := httptest.NewRecorder()
			if got := g.serve(w, r, c.rel); got != c.served {
				t.Fatalf("served = %v, want %v", got, c.served)
			}
			if !c.served {
				return
			}
			if w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Vary") != "Accept-Encoding" {
				t.Fatalf("headers %v", w.Header())
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
			if w.Body.Len() >= len(script)/4 {
				t.Fatalf("compressed to %d of %d bytes", w.Body.Len(), len(script))
			}
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, script) {
				t.Fatalf("decompressed %d bytes (%v), want the script's %d", len(plain), err, len(script))
			}
		})
	}
}

package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAppAssetsGzip(t *testing.T) {
	script := strings.Repeat("console.log('parley');\n", 500)
	app := fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>x</title>")},
		"assets/index-1.js":  {Data: []byte(script)},
		"assets/logo-1.png":  {Data: []byte("\x89PNG not really")},
		"assets/index-1.css": {Data: []byte("body{margin:0}")},
	}
	h := appHandler(app, "/", "workbench")
	get := func(path, accept string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	w := get("/assets/index-1.js", "gzip, deflate, br")
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("script with gzip accepted: %d, Content-Encoding %q", w.Code, w.Header().Get("Content-Encoding"))
	}
	if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type %q, want a JavaScript type", ct)
	}
	if !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("headers %v: want Vary: Accept-Encoding and an immutable Cache-Control", w.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || string(plain) != script {
		t.Fatalf("decompressed body differs from the file (err %v)", err)
	}
	if w.Body.Len() >= len(script)/4 {
		t.Errorf("compressed %d bytes to %d: expected far smaller", len(script), w.Body.Len())
	}
	// The second request is served from the kept copy, the same bytes.
	if again := get("/assets/index-1.js", "gzip"); !bytes.Equal(again.Body.Bytes(), w.Body.Bytes()) {
		t.Error("second compressed answer differs from the first")
	}

	for _, c := range []struct{ path, accept string }{
		{"/assets/index-1.js", ""},         // no Accept-Encoding
		{"/assets/index-1.js", "gzip;q=0"}, // refused
		{"/assets/index-1.js", "br"},       // another coding only
		{"/assets/logo-1.png", "gzip"},     // compressed already
	} {
		w := get(c.path, c.accept)
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s with Accept-Encoding %q: %d, Content-Encoding %q; want 200 uncompressed",
				c.path, c.accept, w.Code, w.Header().Get("Content-Encoding"))
		}
	}
	if w := get("/assets/index-1.js", ""); w.Body.String() != script {
		t.Error("uncompressed script differs from the file")
	}
}

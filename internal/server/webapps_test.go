package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAppHandlerServesFilesAndFallsBackToIndex(t *testing.T) {
	app := fstest.MapFS{
		"index.html":      {Data: []byte("<!doctype html>widget")},
		"assets/app-1.js": {Data: []byte("console.log(1)")},
		"embed.js":        {Data: []byte("/* embed */")},
	}
	h := appHandler(app, "/widget/", "widget")
	cases := []struct {
		path, body, cache string
	}{
		{"/widget/", "<!doctype html>widget", "no-cache"},
		{"/widget/assets/app-1.js", "console.log(1)", "public, max-age=31536000, immutable"},
		{"/widget/embed.js", "/* embed */", ""},
		{"/widget/conversation/42", "<!doctype html>widget", "no-cache"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusOK || string(body) != c.body {
			t.Errorf("GET %s: %d %q, want 200 %q", c.path, rec.Code, body, c.body)
		}
		if got := rec.Header().Get("Cache-Control"); got != c.cache {
			t.Errorf("GET %s: Cache-Control %q, want %q", c.path, got, c.cache)
		}
	}
}

func TestAppHandlerRefusesPathsThatClimbOut(t *testing.T) {
	h := appHandler(fstest.MapFS{"index.html": {Data: []byte("i")}}, "/widget/", "widget")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/widget/../../etc/passwd", nil))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("GET /widget/../../etc/passwd: %d %q, want 400", rec.Code, rec.Body.String())
	}
}

func TestAppHandlerSaysHowToBuildAnUnbuiltApp(t *testing.T) {
	h := appHandler(fstest.MapFS{".keep": {}}, "/", "workbench")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "make web") {
		t.Fatalf("unbuilt app: %d %q, want 503 naming make web", rec.Code, rec.Body.String())
	}
}

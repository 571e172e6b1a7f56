package server

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/parley-im/parley/web"
)

// widgetPrefix is where the customer widget is served; everything else that
// no other route claims belongs to the agent workbench.
const widgetPrefix = "/widget/"

// webAppRoutes serves the embedded web apps: the customer widget under
// /widget/ and the agent workbench at /. Both are single-page apps, so a path
// that names no file gets the app's index.html and the app routes it.
func (s *Server) webAppRoutes(mux *http.ServeMux) {
	mux.Handle("GET /{$}", appHandler(web.Workbench(), "/", "workbench"))
	mux.Handle("GET /app/", appHandler(web.Workbench(), "/", "workbench"))
	mux.Handle("GET /assets/", appHandler(web.Workbench(), "/", "workbench"))
	mux.Handle("GET /widget", http.RedirectHandler(widgetPrefix, http.StatusMovedPermanently))
	mux.Handle("GET "+widgetPrefix, appHandler(web.Widget(), widgetPrefix, "widget"))
}

// appHandler serves one app's files below prefix, falling back to its
// index.html for paths that name no file.
func appHandler(app fs.FS, prefix, name string) http.Handler {
	files := http.FileServerFS(app)
	gz := newGzipFiles(app)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !web.Built(app) {
			notBuilt(w, name)
			return
		}
		rel := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(prefix, "/"))
		rel = strings.TrimPrefix(rel, "/")
		if rel == "" || rel == "index.html" {
			serveIndex(w, r, app)
			return
		}
		if _, err := fs.Stat(app, rel); err != nil {
			serveIndex(w, r, app)
			return
		}
		if strings.HasPrefix(rel, "assets/") {
			// Vite names built assets by content hash: they never change.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		if gz.serve(w, r, rel) {
			return
		}
		http.StripPrefix(strings.TrimSuffix(prefix, "/"), files).ServeHTTP(w, r)
	})
}

// serveIndex sends an app's index.html, never cached, so a new build is
// picked up on the next load.
func serveIndex(w http.ResponseWriter, r *http.Request, app fs.FS) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, app, "index.html")
}

func notBuilt(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte("Parley's " + name + " is not built into this binary: run `make web` (needs Node.js 20 and npm), then rebuild.\n"))
}

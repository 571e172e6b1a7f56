package server

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Tinode's file endpoints: tinode-sdk uploads with a multipart POST to
// fileUpload and downloads what a message links to from fileServe.
const (
	fileUpload = "/v0/file/u/"
	fileServe  = "/v0/file/s/"
)

// filesUnsupported is the answer of both file endpoints until Parley stores
// files: a {ctrl} body with code 501, so tinode-sdk rejects the upload with
// this text and the app shows it, instead of failing without a word.
const filesUnsupported = "uploads are not supported yet"

// fileRoutes serves the file endpoints with CORS (the web app uploads from
// its own origin) and the API key check, as Tinode does.
func (s *Server) fileRoutes(mux *http.ServeMux) {
	h := s.cors(s.requireOrigin(s.requireAPIKey(s.noFiles())))
	mux.Handle(fileUpload, h)
	mux.Handle(fileServe, h)
}

// noFiles answers 501 and logs the attempt, at most once a second so a
// client retrying in a loop cannot flood the log.
func (s *Server) noFiles() http.Handler {
	logEvery := rate.Sometimes{Interval: time.Second}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logEvery.Do(func() {
			s.log.Warn("file request refused: "+filesUnsupported, "method", r.Method, "path", r.URL.Path,
				"remote", r.RemoteAddr)
		})
		writeCtrl(w, http.StatusNotImplemented, filesUnsupported)
	})
}

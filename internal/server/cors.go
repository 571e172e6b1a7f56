package server

import (
	"net/http"
	"slices"

	"github.com/parley-im/parley/internal/transport/lp"
)

// corsHeaders are the request headers tinode-sdk sets on its XMLHttpRequests
// (long polling, uploads, downloads); a browser asks before sending them
// from another origin.
const corsHeaders = "X-Tinode-APIKey, X-Tinode-Auth, Content-Type"

// corsMaxAge is how long, in seconds, a browser may keep a preflight answer.
const corsMaxAge = "86400"

// cors answers cross-origin requests on the plain-HTTP endpoints a browser
// calls from another origin (long polling and files): Tinode's web app is
// always served from somewhere else. Preflights (OPTIONS) are answered here,
// before the API key is checked, since browsers never send custom headers
// with them. Every answer, errors included, carries the allowed origin, so
// the page can read why a request failed.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		if allow := s.allowedOrigin(r.Header.Get("Origin")); allow != "" {
			h.Set("Access-Control-Allow-Origin", allow)
		}
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedOrigin is the Access-Control-Allow-Origin answer for origin: "*"
// while no allow-list is configured, the origin itself when it is on the
// list, and nothing otherwise (the browser then keeps the answer from the
// page).
func (s *Server) allowedOrigin(origin string) string {
	switch {
	case len(s.cfg.AllowedOrigins) == 0:
		return "*"
	case origin != "" && slices.Contains(s.cfg.AllowedOrigins, origin):
		return origin
	}
	return ""
}

// requireOrigin refuses requests from browsers on origins off the allow-list
// with HTTP 403, as the WebSocket upgrade does: without it a page on any
// site could open long-polling sessions in its visitors' browsers.
func (s *Server) requireOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.checkOrigin(r) {
			writeCtrl(w, http.StatusForbidden, "origin not allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeCtrl answers a plain HTTP request with a Tinode {ctrl} body whose code
// is the HTTP status, so a Tinode client shows the text to its user.
func writeCtrl(w http.ResponseWriter, status int, text string) { lp.WriteCtrl(w, status, text) }

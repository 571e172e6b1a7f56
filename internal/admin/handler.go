package admin

import (
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/parley-im/parley/internal/trace"
)

// TraceHandler answers GET TracePath?msgid=…[&topic=…] or ?topic=…&seq=…
// from rec with a TraceResponse. Callers must send
// "Authorization: Bearer <token>". With an empty token the endpoint is
// disabled and answers 404, as if it did not exist.
func TraceHandler(rec *trace.Recorder, token string, log *slog.Logger) http.Handler {
	return &traceHandler{rec: rec, token: []byte(token), log: log}
}

type traceHandler struct {
	rec   *trace.Recorder
	token []byte
	log   *slog.Logger
}

func (h *traceHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(h.token) == 0 {
		http.NotFound(w, r)
		return
	}
	if !authorized(r, h.token) {
		if h.log != nil {
			h.log.Warn("admin request without a valid token", "path", r.URL.Path, "remote", r.RemoteAddr)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley admin"`)
		http.Error(w, "admin token required: send Authorization: Bearer <token>", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	events := q.Run(h.rec)
	if events == nil {
		events = []trace.Event{}
	}
	if h.log != nil {
		h.log.Info("admin trace query", "query", q.String(), "events", len(events), "remote", r.RemoteAddr)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(TraceResponse{Events: events})
}

// authorized reports whether r carries the bearer token, comparing in
// constant time.
func authorized(r *http.Request, token []byte) bool {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(cred)), token) == 1
}

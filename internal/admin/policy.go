package admin

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/parley-im/parley/internal/policy"
)

// Paths of the message policy API.
const (
	WordsPath   = "/v0/admin/words"
	ReviewsPath = "/v0/admin/reviews"
)

// WordsRequest adds rules (POST: Words with one Action and Scope) or
// removes them (DELETE: Words only).
type WordsRequest struct {
	Words  []string `json:"words"`
	Action string   `json:"action,omitempty"`
	Scope  string   `json:"scope,omitempty"`
}

// MaxWordsPerRequest bounds one request; the command line sends an
// import in pieces of this size.
const MaxWordsPerRequest = 500

// PolicyRoutes adds the word rules and review queue endpoints to mux,
// behind the admin token.
func PolicyRoutes(mux *http.ServeMux, e *policy.Engine, rv *policy.Reviews, token string, log *slog.Logger) {
	a := &policyAPI{engine: e, reviews: rv, log: log}
	api := http.NewServeMux()
	api.HandleFunc("GET "+WordsPath, a.listWords)
	api.HandleFunc("POST "+WordsPath, a.addWords)
	api.HandleFunc("DELETE "+WordsPath, a.removeWords)
	api.HandleFunc("GET "+ReviewsPath, a.listHeld)
	api.HandleFunc("POST "+ReviewsPath+"/{id}/{verdict}", a.decide)
	guarded := protect(api, []byte(token), log)
	for _, p := range []string{WordsPath, ReviewsPath, ReviewsPath + "/"} {
		mux.Handle(p, guarded)
	}
}

type policyAPI struct {
	engine  *policy.Engine
	reviews *policy.Reviews
	log     *slog.Logger
}

func (a *policyAPI) listWords(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"words": a.engine.Rules()})
}

func (a *policyAPI) addWords(w http.ResponseWriter, r *http.Request) {
	var req WordsRequest
	if !readJSON(w, r, &req) || !wordCount(w, req.Words) {
		return
	}
	rules := make([]policy.Rule, len(req.Words))
	for i, word := range req.Words {
		rules[i] = policy.Rule{Word: word, Action: req.Action, Scope: req.Scope}
	}
	err := a.engine.AddRules(r.Context(), rules)
	a.answer(w, r, http.StatusOK, "words added", map[string]any{"added": len(rules)}, err)
}

func (a *policyAPI) removeWords(w http.ResponseWriter, r *http.Request) {
	var req WordsRequest
	if !readJSON(w, r, &req) || !wordCount(w, req.Words) {
		return
	}
	n, err := a.engine.RemoveWords(r.Context(), req.Words)
	a.answer(w, r, http.StatusOK, "words removed", map[string]any{"removed": n}, err)
}

func wordCount(w http.ResponseWriter, words []string) bool {
	if len(words) == 0 || len(words) > MaxWordsPerRequest {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "give 1 to 500 words"})
		return false
	}
	return true
}

func (a *policyAPI) listHeld(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > policy.MaxList {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit is 1 to 1000"})
			return
		}
		limit = n
	}
	if !policy.ValidState(state) {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "state is blocked, pending, approved or rejected"})
		return
	}
	list, err := a.reviews.List(r.Context(), state, limit)
	out := make([]policy.HeldJSON, len(list))
	for i, h := range list {
		out[i] = policy.ToJSON(h)
	}
	a.answer(w, r, http.StatusOK, "", map[string]any{"held": out}, err)
}

func (a *policyAPI) decide(w http.ResponseWriter, r *http.Request) {
	verdict := r.PathValue("verdict")
	if verdict != "approve" && verdict != "reject" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "POST …/reviews/ID/approve or …/reject"})
		return
	}
	h, err := a.reviews.Decide(r.Context(), r.PathValue("id"), verdict == "approve", 0)
	var body any
	if err == nil {
		body = map[string]any{"held": policy.ToJSON(*h)}
	}
	a.answer(w, r, http.StatusOK, "review "+verdict, body, err)
}

func (a *policyAPI) answer(w http.ResponseWriter, r *http.Request, status int, what string, body any, err error) {
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, policy.ErrInvalid):
			code = http.StatusBadRequest
		case errors.Is(err, policy.ErrNotHeld):
			code = http.StatusNotFound
		case errors.Is(err, policy.ErrDecided):
			code = http.StatusConflict
		}
		if code == http.StatusInternalServerError && a.log != nil {
			a.log.Error("admin request failed", "path", r.URL.Path, "err", err)
		}
		writeJSON(w, code, map[string]string{"error": Printable(err.Error())})
		return
	}
	if what != "" && a.log != nil {
		a.log.Info("admin: "+what, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	}
	writeJSON(w, status, body)
}

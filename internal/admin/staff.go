package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/store"
)

// Paths of the staff and team API.
const (
	TeamsPath = "/v0/admin/teams"
	StaffPath = "/v0/admin/staff"
)

// maxBody bounds an admin request body: the largest real one is a staff
// member with a few dozen team names.
const maxBody = 64 << 10

// TeamJSON is a team as the API shows it.
type TeamJSON struct {
	Name      string    `json:"name"`
	OnOffline string    `json:"on_offline"`
	Created   time.Time `json:"created"`
}

// TeamRequest creates a team (POST) or changes its options (PATCH).
type TeamRequest struct {
	Name      string `json:"name,omitempty"`
	OnOffline string `json:"on_offline,omitempty"`
}

// StaffRoutes adds the team and staff endpoints to mux, behind the admin
// token like the trace endpoint (404 while no token is configured).
func StaffRoutes(mux *http.ServeMux, d *desk.Desk, token string, log *slog.Logger) {
	a := &staffAPI{desk: d, log: log}
	api := http.NewServeMux()
	api.HandleFunc("GET "+TeamsPath, a.listTeams)
	api.HandleFunc("POST "+TeamsPath, a.addTeam)
	api.HandleFunc("PATCH "+TeamsPath+"/{name}", a.setTeam)
	api.HandleFunc("GET "+StaffPath, a.listStaff)
	api.HandleFunc("POST "+StaffPath, a.addStaff)
	api.HandleFunc("PATCH "+StaffPath+"/{login}", a.changeStaff)
	// The token is checked before the routes, so without it nothing,
	// not even which methods exist, is told.
	guarded := protect(api, []byte(token), log)
	for _, p := range []string{TeamsPath, TeamsPath + "/", StaffPath, StaffPath + "/"} {
		mux.Handle(p, guarded)
	}
}

type staffAPI struct {
	desk *desk.Desk
	log  *slog.Logger
}

func (a *staffAPI) listTeams(w http.ResponseWriter, r *http.Request) {
	teams := []TeamJSON{}
	for _, t := range a.desk.Teams() {
		teams = append(teams, teamJSON(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": teams})
}

func (a *staffAPI) addTeam(w http.ResponseWriter, r *http.Request) {
	var req TeamRequest
	if !readJSON(w, r, &req) {
		return
	}
	t, err := a.desk.AddTeam(r.Context(), req.Name, req.OnOffline)
	a.answer(w, r, http.StatusCreated, "team added", map[string]any{"team": teamJSON(t)}, err)
}

func (a *staffAPI) setTeam(w http.ResponseWriter, r *http.Request) {
	var req TeamRequest
	if !readJSON(w, r, &req) {
		return
	}
	t, err := a.desk.SetTeam(r.Context(), r.PathValue("name"), req.OnOffline)
	a.answer(w, r, http.StatusOK, "team changed", map[string]any{"team": teamJSON(t)}, err)
}

func (a *staffAPI) listStaff(w http.ResponseWriter, r *http.Request) {
	list, err := a.desk.Staff(r.Context())
	a.answer(w, r, http.StatusOK, "", map[string]any{"staff": list}, err)
}

func (a *staffAPI) addStaff(w http.ResponseWriter, r *http.Request) {
	var req desk.NewStaff
	if !readJSON(w, r, &req) {
		return
	}
	m, err := a.desk.AddStaff(r.Context(), req)
	a.answer(w, r, http.StatusCreated, "staff added", map[string]any{"staff": m}, err)
}

func (a *staffAPI) changeStaff(w http.ResponseWriter, r *http.Request) {
	var req desk.Change
	if !readJSON(w, r, &req) {
		return
	}
	m, err := a.desk.ChangeStaff(r.Context(), r.PathValue("login"), req)
	a.answer(w, r, http.StatusOK, "staff changed", map[string]any{"staff": m}, err)
}

// answer writes body with status, or the error's status and text; changes
// (a non-empty what) are logged, for the audit trail.
func (a *staffAPI) answer(w http.ResponseWriter, r *http.Request, status int, what string, body any, err error) {
	if err != nil {
		code := errorStatus(err)
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

// errorStatus maps the directory's errors to HTTP statuses.
func errorStatus(err error) int {
	switch {
	case errors.Is(err, desk.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, desk.ErrUnknownTeam), errors.Is(err, desk.ErrUnknownUser):
		return http.StatusNotFound
	case errors.Is(err, desk.ErrTaken), errors.Is(err, desk.ErrNotStaff):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func teamJSON(t store.Team) TeamJSON {
	return TeamJSON{Name: t.Name, OnOffline: t.OnOffline, Created: t.CreatedAt}
}

// readJSON decodes the request body into v, refusing unknown fields (a
// misspelt option must not be silently ignored) and bodies over maxBody.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": Printable(fmt.Sprintf("the body is not the expected JSON object: %v", err))})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// protect answers 404 while no token is configured and 401 without it.
func protect(h http.Handler, token []byte, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(token) == 0 {
			http.NotFound(w, r)
			return
		}
		if !authorized(r, token) {
			if log != nil {
				log.Warn("admin request without a valid token", "path", r.URL.Path, "remote", r.RemoteAddr)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="parley admin"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"error": "admin token required: send Authorization: Bearer <token>"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

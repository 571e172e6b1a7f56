package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/parley-im/parley/internal/desk"
	"github.com/parley-im/parley/internal/robot"
	"github.com/parley-im/parley/internal/store"
)

// FAQPath is the robot's FAQ API: GET and PUT FAQPath/TEAM.
const FAQPath = "/v0/admin/faq"

// maxFAQBody bounds an FAQ import: robot.MaxEntries entries of a few
// hundred bytes each.
const maxFAQBody = 16 << 20

// FAQs is the robot as the admin API uses it.
type FAQs interface {
	Import(ctx context.Context, team string, entries []store.FAQEntry) error
	FAQ(team string) []store.FAQEntry
}

// FAQRoutes adds the FAQ endpoints to mux, behind the admin token.
func FAQRoutes(mux *http.ServeMux, faqs FAQs, d *desk.Desk, token string, log *slog.Logger) {
	a := &faqAPI{faqs: faqs, desk: d, staffAPI: staffAPI{desk: d, log: log}}
	api := http.NewServeMux()
	api.HandleFunc("GET "+FAQPath+"/{team}", a.get)
	api.HandleFunc("PUT "+FAQPath+"/{team}", a.put)
	mux.Handle(FAQPath+"/", protect(api, []byte(token), log))
}

type faqAPI struct {
	staffAPI
	faqs FAQs
	desk *desk.Desk
}

// FAQAnswer is what both endpoints answer.
type FAQAnswer struct {
	Team    string               `json:"team"`
	Count   int                  `json:"count"`
	Entries []robot.FAQFileEntry `json:"entries,omitempty"`
}

func (a *faqAPI) get(w http.ResponseWriter, r *http.Request) {
	team := r.PathValue("team")
	if _, ok := a.desk.Team(team); !ok {
		a.answer(w, r, 0, "", nil, fmt.Errorf("%w %q", desk.ErrUnknownTeam, team))
		return
	}
	entries := robot.FileEntries(a.faqs.FAQ(team))
	writeJSON(w, http.StatusOK, FAQAnswer{Team: team, Count: len(entries), Entries: entries})
}

// put replaces the team's FAQ with the body, a JSON array in the import
// format; an empty array removes it (the team's conversations then skip
// the robot).
func (a *faqAPI) put(w http.ResponseWriter, r *http.Request) {
	team := r.PathValue("team")
	if _, ok := a.desk.Team(team); !ok {
		a.answer(w, r, 0, "", nil, fmt.Errorf("%w %q", desk.ErrUnknownTeam, team))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFAQBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "an FAQ is at most 16 MiB"})
		return
	}
	entries, err := robot.ParseFAQ(raw)
	if err == nil {
		err = a.faqs.Import(r.Context(), team, entries)
	}
	if errors.Is(err, robot.ErrInvalid) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": Printable(err.Error())})
		return
	}
	a.answer(w, r, http.StatusOK, "FAQ imported", FAQAnswer{Team: team, Count: len(entries)}, err)
}

// faqCall is `faq import --team NAME FILE` and `faq list --team NAME`.
func (f *adminFlags) faqCall(verb string, rest []string) (adminCall, string) {
	if f.faqTeam == "" {
		return adminCall{}, "faq " + verb + " needs --team NAME"
	}
	path := FAQPath + "/" + escape(f.faqTeam)
	switch verb {
	case "list":
		if len(rest) != 0 {
			return adminCall{}, "faq list takes no arguments"
		}
		return adminCall{method: "GET", path: path, print: printFAQ}, ""
	case "import":
		if len(rest) != 1 {
			return adminCall{}, "faq import takes one FILE (a JSON array of {\"question\", \"answer\", \"keywords\"})"
		}
		raw, err := os.ReadFile(rest[0])
		if err != nil {
			return adminCall{}, fmt.Sprintf("faq import: %v", err)
		}
		if _, err := robot.ParseFAQ(raw); err != nil {
			return adminCall{}, fmt.Sprintf("faq import: %s: %v", rest[0], err)
		}
		return adminCall{method: "PUT", path: path, body: json.RawMessage(raw), print: printFAQ}, ""
	}
	return adminCall{}, fmt.Sprintf("unknown command %q", "faq "+verb)
}

func printFAQ(w io.Writer, body []byte) error {
	var a FAQAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	if a.Entries == nil {
		_, err := fmt.Fprintf(w, "team %s: %d FAQ entries\n", a.Team, a.Count)
		return err
	}
	for _, e := range a.Entries {
		fmt.Fprintf(w, "Q: %s\nA: %s\n", e.Question, e.Answer)
		if len(e.Keywords) > 0 {
			fmt.Fprintf(w, "keywords: %v\n", e.Keywords)
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "team %s: %d FAQ entries\n", a.Team, a.Count)
	return err
}

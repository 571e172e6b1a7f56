package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/parley-im/parley/internal/desk"
)

// call turns the positional arguments and flags into the request to make;
// a non-empty string is a usage error.
func (f *adminFlags) call(pos []string) (adminCall, string) {
	if len(pos) < 2 {
		return adminCall{}, "name an object and a verb, such as: team add NAME"
	}
	obj, verb, rest := pos[0], pos[1], pos[2:]
	switch obj + " " + verb {
	case "team add", "team set":
		if len(rest) != 1 {
			return adminCall{}, "team " + verb + " takes one team name"
		}
		if verb == "add" {
			return adminCall{method: "POST", path: TeamsPath,
				body: TeamRequest{Name: rest[0], OnOffline: f.onOffline}, print: printTeam("added")}, ""
		}
		if f.onOffline == "" {
			return adminCall{}, "team set needs --on-offline requeue|keep"
		}
		return adminCall{method: "PATCH", path: TeamsPath + "/" + escape(rest[0]),
			body: TeamRequest{OnOffline: f.onOffline}, print: printTeam("changed")}, ""
	case "team list", "staff list":
		if len(rest) != 0 {
			return adminCall{}, obj + " list takes no arguments"
		}
		if obj == "team" {
			return adminCall{method: "GET", path: TeamsPath, print: printTeams}, ""
		}
		return adminCall{method: "GET", path: StaffPath, print: printStaff}, ""
	case "staff add":
		return f.staffAdd(rest)
	case "staff set", "staff disable", "staff enable":
		return f.staffChange(verb, rest)
	case "faq import", "faq list":
		if len(f.teams) == 1 {
			f.faqTeam = f.teams[0]
		}
		return f.faqCall(verb, rest)
	}
	switch obj {
	case "words":
		return f.wordsCall(verb, rest, f.stdin)
	case "review":
		return f.reviewCall(verb, rest)
	}
	return adminCall{}, fmt.Sprintf("unknown command %q", obj+" "+verb)
}

func (f *adminFlags) staffAdd(rest []string) (adminCall, string) {
	if len(rest) != 0 {
		return adminCall{}, fmt.Sprintf("staff add: unexpected argument %q", rest[0])
	}
	if f.login == "" || f.password == "" || f.role == "" {
		return adminCall{}, "staff add needs --login, --password and --role"
	}
	n := desk.NewStaff{Login: f.login, Password: f.password, Role: f.role, Teams: f.teams}
	if f.set("capacity") {
		n.Capacity = &f.capacity
	}
	return adminCall{method: "POST", path: StaffPath, body: n, print: printMember("added")}, ""
}

func (f *adminFlags) staffChange(verb string, rest []string) (adminCall, string) {
	if len(rest) != 1 {
		return adminCall{}, "staff " + verb + " takes one login"
	}
	var c desk.Change
	switch verb {
	case "disable", "enable":
		on := verb == "disable"
		c.Disabled = &on
	default:
		if f.set("role") {
			c.Role = &f.role
		}
		if f.set("capacity") {
			c.Capacity = &f.capacity
		}
		c.Teams, c.AddTeams, c.RemoveTeams = f.teams, f.addTeams, f.removeTeams
		if c.Role == nil && c.Capacity == nil && len(c.Teams)+len(c.AddTeams)+len(c.RemoveTeams) == 0 {
			return adminCall{}, "staff set needs --role, --capacity, --team, --add-team or --remove-team"
		}
	}
	return adminCall{method: "PATCH", path: StaffPath + "/" + escape(rest[0]), body: c,
		print: printMember(verb + "d")}, ""
}

func printTeam(done string) func(io.Writer, []byte) error {
	return func(w io.Writer, body []byte) error {
		var r struct{ Team TeamJSON }
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		fmt.Fprintf(w, "team %s %s (on_offline %s)\n", r.Team.Name, done, r.Team.OnOffline)
		return nil
	}
}

func printTeams(w io.Writer, body []byte) error {
	var r struct{ Teams []TeamJSON }
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEAM\tON_OFFLINE\tCREATED")
	for _, t := range r.Teams {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", Printable(t.Name), t.OnOffline, t.Created.Format("2006-01-02 15:04:05Z"))
	}
	return tw.Flush()
}

func printMember(done string) func(io.Writer, []byte) error {
	return func(w io.Writer, body []byte) error {
		var r struct{ Staff desk.Member }
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		m := r.Staff
		fmt.Fprintf(w, "%s %s: %s, role %s, capacity %d, teams [%s]%s\n", Printable(m.Login), done, m.User,
			m.Role, m.Capacity, Printable(strings.Join(m.Teams, " ")), disabledNote(m.Disabled))
		return nil
	}
}

func printStaff(w io.Writer, body []byte) error {
	var r struct{ Staff []desk.Member }
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tUSER\tROLE\tCAPACITY\tTEAMS\tSTATE")
	for _, m := range r.Staff {
		state := "enabled"
		if m.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", Printable(m.Login), m.User, m.Role, m.Capacity,
			Printable(strings.Join(m.Teams, ",")), state)
	}
	return tw.Flush()
}

func disabledNote(d bool) string {
	if d {
		return " (disabled)"
	}
	return ""
}

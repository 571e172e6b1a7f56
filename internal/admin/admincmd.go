package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const adminUsage = `usage: parley admin <object> <verb> [args] [flags]

Manages the customer-service staff and teams, the message policy's words and
its review queue of a running server through its admin API
(docs/operations.md, "Staff and teams" and "Message policy").

  team add NAME [--on-offline requeue|keep]
  team set NAME --on-offline requeue|keep
  team list
  staff add --login L --password P --role agent|supervisor|admin [--team NAME]… [--capacity N]
  staff set LOGIN [--role R] [--capacity N] [--team T]… (replaces) [--add-team T]… [--remove-team T]…
  staff disable LOGIN      (closes the member's sessions; logins fail)
  staff enable LOGIN
  staff list
  faq import --team NAME FILE   (replaces the team's FAQ; FILE: a JSON array of
                                {"question", "answer", "keywords"?}, docs/robot.md)
  faq list --team NAME
  words add --action block|mask|review [--scope customer|staff|all] WORD...
  words remove WORD...
  words import --action block|mask|review [--scope customer|staff|all] FILE
                           (one word a line, blank lines skipped; - reads stdin)
  words list
  review list [--state blocked|pending|approved|rejected] [--limit N]
  review approve ID        (the held message gets its seq and is delivered)
  review reject ID         (nothing is delivered; the sender is told)

--password - reads the password from the first line of standard input.
Every command takes --addr HOST:PORT (default $PARLEY_ADMIN_ADDR, else
127.0.0.1:6060), --token T (default $PARLEY_ADMIN_TOKEN), --json and --timeout.

Exit codes: 0 done, 1 the server refused or could not be reached, 2 usage error.
`

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// adminFlags are the flags of every admin command.
type adminFlags struct {
	fs      *flag.FlagSet
	out     bytes.Buffer
	addr    string
	token   string
	asJSON  bool
	timeout time.Duration
	// command-specific
	onOffline, login, password, role string
	faqTeam                          string
	capacity                         int
	teams, addTeams, removeTeams     repeated
	action, scope, state             string
	limit                            int
	stdin                            io.Reader
}

func newAdminFlags(getenv func(string) string) *adminFlags {
	f := &adminFlags{fs: flag.NewFlagSet("admin", flag.ContinueOnError)}
	f.fs.SetOutput(&f.out)
	f.fs.Usage = func() { fmt.Fprint(&f.out, adminUsage) }
	addr := getenv("PARLEY_ADMIN_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	f.fs.StringVar(&f.addr, "addr", addr, "server address")
	f.fs.StringVar(&f.token, "token", "", "admin token")
	f.fs.BoolVar(&f.asJSON, "json", false, "print the server's JSON answer")
	f.fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up on the server after this long")
	f.fs.StringVar(&f.onOffline, "on-offline", "", "requeue or keep")
	f.fs.StringVar(&f.login, "login", "", "login")
	f.fs.StringVar(&f.password, "password", "", "password")
	f.fs.StringVar(&f.role, "role", "", "agent, supervisor or admin")
	f.fs.IntVar(&f.capacity, "capacity", -1, "conversations at once")
	f.fs.Var(&f.teams, "team", "team (repeatable)")
	f.fs.Var(&f.addTeams, "add-team", "team to join (repeatable)")
	f.fs.Var(&f.removeTeams, "remove-team", "team to leave (repeatable)")
	f.fs.StringVar(&f.action, "action", "", "block, mask or review")
	f.fs.StringVar(&f.scope, "scope", "", "customer, staff or all (default all)")
	f.fs.StringVar(&f.state, "state", "", "blocked, pending, approved or rejected (default all)")
	f.fs.IntVar(&f.limit, "limit", 0, "list at most this many (default 100)")
	return f
}

// parse reads flags and positional arguments in any order.
func (f *adminFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		if f.fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, f.fs.Arg(0))
		args = f.fs.Args()[1:]
	}
}

// set reports whether the flag was given.
func (f *adminFlags) set(name string) bool {
	found := false
	f.fs.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}

// adminCall is one request the command line makes.
type adminCall struct {
	method, path string
	body         any
	print        func(w io.Writer, body []byte) error
	// then are further requests of the same command (an import sent in
	// pieces); the command prints the first answer with its counts summed.
	then []adminCall
}

// AdminCommand runs `parley admin` with the arguments after the command
// name and returns the exit code. getenv is os.Getenv and stdin os.Stdin in
// production.
func AdminCommand(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := newAdminFlags(getenv)
	pos, err := f.parse(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, adminUsage)
			return ExitFound
		}
		stderr.Write(f.out.Bytes())
		return ExitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "parley admin: %s\n\n%s", msg, adminUsage)
		return ExitUsage
	}
	if len(pos) == 1 && pos[0] == "help" {
		fmt.Fprint(stdout, adminUsage)
		return ExitFound
	}
	if f.password == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return usage("--password -: no password on standard input")
		}
		f.password = strings.TrimRight(line, "\r\n")
	}
	f.stdin = stdin
	call, msg := f.call(pos)
	if msg != "" {
		return usage(msg)
	}
	if f.token == "" {
		f.token = getenv("PARLEY_ADMIN_TOKEN")
	}
	if f.token == "" {
		return usage("no admin token: pass --token or set PARLEY_ADMIN_TOKEN")
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	body, err := doAdmin(ctx, baseURL(f.addr), f.token, call)
	if err == nil && len(call.then) > 0 {
		body, err = doMore(ctx, baseURL(f.addr), f.token, body, call.then)
	}
	if err != nil {
		fmt.Fprintln(stderr, "parley admin:", err)
		return ExitNotFound
	}
	if f.asJSON {
		stdout.Write(body)
		return ExitFound
	}
	if err := call.print(stdout, body); err != nil {
		fmt.Fprintln(stderr, "parley admin: the answer is not what the command expects:", err)
		return ExitNotFound
	}
	return ExitFound
}

// doAdmin sends call and returns the body of a 2xx answer, or an error
// that says what the server refused and why.
func doAdmin(ctx context.Context, base, token string, call adminCall) ([]byte, error) {
	var rd io.Reader
	if call.body != nil {
		b, err := json.Marshal(call.body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, call.method, base+call.path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if res.StatusCode/100 == 2 {
		return body, nil
	}
	var e struct{ Error string }
	json.Unmarshal(body, &e)
	switch {
	case res.StatusCode == http.StatusNotFound && e.Error == "":
		return nil, fmt.Errorf("no admin endpoint at %s (404): the server needs an admin_token "+
			"(PARLEY_ADMIN_TOKEN), or --addr is not a parley server", base)
	case res.StatusCode == http.StatusUnauthorized:
		return nil, errors.New("the server rejected the admin token (401): check --token or PARLEY_ADMIN_TOKEN")
	case e.Error != "":
		return nil, fmt.Errorf("%s (%d)", Printable(e.Error), res.StatusCode)
	}
	return nil, fmt.Errorf("%s %s: %s", call.method, call.path, res.Status)
}

// escape makes a login or team name one path segment.
func escape(s string) string { return url.PathEscape(s) }

// doMore sends the further requests of a command and returns the first
// answer with its "added" count raised by theirs.
func doMore(ctx context.Context, base, token string, first []byte, more []adminCall) ([]byte, error) {
	var total map[string]any
	if err := json.Unmarshal(first, &total); err != nil {
		return nil, err
	}
	added, _ := total["added"].(float64)
	for i, c := range more {
		body, err := doAdmin(ctx, base, token, c)
		if err != nil {
			return nil, fmt.Errorf("part %d of %d (the earlier parts were applied): %w", i+2, len(more)+1, err)
		}
		var r struct{ Added float64 }
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		added += r.Added
	}
	total["added"] = added
	return json.Marshal(total)
}

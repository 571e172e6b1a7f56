package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/trace"
)

// Exit codes of TraceCommand.
const (
	ExitFound    = 0 // the message's events were printed
	ExitNotFound = 1 // nothing recorded for it, or the request failed
	ExitUsage    = 2 // bad command line
)

const traceUsage = `usage: parley trace [--addr host:port] [--token T] --msgid ID [--topic TOPIC] [--json]
       parley trace [--addr host:port] [--token T] --topic TOPIC --seq N [--json]

Prints the recorded life of one message (accepted, stored, pushed, acked, …)
from a running server's admin endpoint. TOPIC is the internal topic name:
grp… for groups, p2p… for one-to-one chats (as this command prints them).
The token defaults to $PARLEY_ADMIN_TOKEN.

Exit codes: 0 found, 1 nothing found or the request failed, 2 usage error.

flags:
`

// TraceCommand runs `parley trace` with the arguments after the command
// name and returns the process's exit code. getenv is os.Getenv in
// production.
func TraceCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	// Help goes to stdout and exits 0; a flag error goes to stderr.
	var flagOut bytes.Buffer
	fs.SetOutput(&flagOut)
	fs.Usage = func() { fmt.Fprint(&flagOut, traceUsage); fs.PrintDefaults() }
	addr := fs.String("addr", "127.0.0.1:6060", "server address, host:port or an http(s):// URL")
	token := fs.String("token", "", "admin token (default $PARLEY_ADMIN_TOKEN)")
	var q Query
	fs.StringVar(&q.MsgID, "msgid", "", "the message's client msgid (head.msgid)")
	fs.StringVar(&q.Topic, "topic", "", "internal topic name (grp…, p2p…)")
	fs.IntVar(&q.Seq, "seq", 0, "the message's seq in --topic")
	asJSON := fs.Bool("json", false, `print the server's JSON ({"events":[…]}) instead of a timeline`)
	timeout := fs.Duration("timeout", 10*time.Second, "give up on the server after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			stdout.Write(flagOut.Bytes())
			return ExitFound // asked for help, got it
		}
		stderr.Write(flagOut.Bytes())
		return ExitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "parley trace: %s\n%s", msg, strings.SplitN(traceUsage, "\n\n", 2)[0]+"\n")
		return ExitUsage
	}
	if fs.NArg() > 0 {
		return usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if err := q.Validate(); err != nil {
		return usage(err.Error())
	}
	if *token == "" {
		*token = getenv("PARLEY_ADMIN_TOKEN")
	}
	if *token == "" {
		return usage("no admin token: pass --token or set PARLEY_ADMIN_TOKEN")
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	resp, err := fetchTrace(ctx, baseURL(*addr), *token, q)
	if err != nil {
		fmt.Fprintln(stderr, "parley trace:", err)
		return ExitNotFound
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(resp)
	}
	if len(resp.Events) == 0 {
		fmt.Fprintf(stderr, "parley trace: no events recorded for %s%s\n", q, notFoundHint(q))
		return ExitNotFound
	}
	if !*asJSON {
		WriteTimeline(stdout, resp.Events)
	}
	return ExitFound
}

// notFoundHint explains the likely reasons a query found nothing.
func notFoundHint(q Query) string {
	hint := "\n(the server keeps only its most recent events, in memory since it started; " +
		"an older message, or one sent through another server, is not there)"
	if strings.HasPrefix(q.Topic, "usr") {
		hint += "\n(" + q.Topic + " is a user's me topic; a one-to-one chat is known by its internal p2p… name: " +
			"query by --msgid alone to find it)"
	}
	return hint
}

// baseURL turns host:port into http://host:port; a URL is kept as is.
func baseURL(addr string) string {
	if strings.Contains(addr, "://") {
		return strings.TrimSuffix(addr, "/")
	}
	return "http://" + addr
}

// fetchTrace asks the server at base for q's events, turning every answer
// but 200 into an error an operator can act on.
func fetchTrace(ctx context.Context, base, token string, q Query) (*TraceResponse, error) {
	url := base + TracePath + "?" + q.Values().Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %w", url, err)
	}
	switch res.StatusCode {
	case http.StatusOK:
		var tr TraceResponse
		if err := json.Unmarshal(body, &tr); err != nil {
			return nil, fmt.Errorf("%s: the answer is not a trace: %w", url, err)
		}
		if tr.Events == nil {
			tr.Events = []trace.Event{}
		}
		return &tr, nil
	case http.StatusUnauthorized:
		return nil, errors.New("the server rejected the admin token (401 Unauthorized): " +
			"check --token or PARLEY_ADMIN_TOKEN against the server's admin_token")
	case http.StatusNotFound:
		return nil, fmt.Errorf("no admin endpoint at %s (404 Not Found): the admin endpoint is disabled "+
			"until the server is given an admin_token (PARLEY_ADMIN_TOKEN), or --addr is not a parley server", base)
	case http.StatusBadRequest:
		return nil, fmt.Errorf("the server refused the query: %s", Printable(strings.TrimSpace(string(body))))
	default:
		return nil, fmt.Errorf("%s: %s: %s", url, res.Status, Printable(strings.TrimSpace(firstLine(body))))
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

package admin

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/parley-im/parley/internal/policy"
)

// maxImportChunk bounds the bytes of words sent in one request of an
// import, below the server's body limit.
const maxImportChunk = 48 << 10

// wordsCall builds the requests of `words add|remove|import|list`.
func (f *adminFlags) wordsCall(verb string, rest []string, stdin io.Reader) (adminCall, string) {
	switch verb {
	case "list":
		if len(rest) != 0 {
			return adminCall{}, "words list takes no arguments"
		}
		return adminCall{method: "GET", path: WordsPath, print: printWords}, ""
	case "add":
		if len(rest) == 0 || f.action == "" {
			return adminCall{}, "words add needs --action block|mask|review and at least one word"
		}
		return f.addWords(rest, "added"), ""
	case "remove":
		if len(rest) == 0 {
			return adminCall{}, "words remove needs at least one word"
		}
		return adminCall{method: "DELETE", path: WordsPath, body: WordsRequest{Words: rest}, print: printRemoved}, ""
	case "import":
		if len(rest) != 1 || f.action == "" {
			return adminCall{}, "words import needs --action block|mask|review and one FILE (one word a line, - for stdin)"
		}
		words, err := readWordFile(rest[0], stdin)
		if err != nil {
			return adminCall{}, err.Error()
		}
		if len(words) == 0 {
			return adminCall{}, "words import: " + rest[0] + " has no words"
		}
		return f.addWords(words, "imported"), ""
	}
	return adminCall{}, fmt.Sprintf("unknown command %q", "words "+verb)
}

// addWords makes the requests adding words, in pieces the server accepts.
func (f *adminFlags) addWords(words []string, done string) adminCall {
	var parts []adminCall
	for len(words) > 0 {
		n, size := 0, 0
		for n < len(words) && n < MaxWordsPerRequest && size+len(words[n]) < maxImportChunk {
			size += len(words[n]) + 8
			n++
		}
		n = max(n, 1)
		parts = append(parts, adminCall{method: "POST", path: WordsPath,
			body: WordsRequest{Words: words[:n], Action: f.action, Scope: f.scope}})
		words = words[n:]
	}
	first := parts[0]
	first.then = parts[1:]
	first.print = printAdded(done, f.action, f.scope)
	return first
}

// readWordFile reads one word a line; blank lines are skipped and spaces
// around a word trimmed. "-" reads stdin.
func readWordFile(name string, stdin io.Reader) ([]string, error) {
	r := stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("words import: %v", err)
		}
		defer fh.Close()
		r = fh
	}
	var words []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		w := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if w == "" {
			continue
		}
		if err := policy.CheckWord(w); err != nil {
			return nil, fmt.Errorf("words import: %s line %d: %v", name, line, err)
		}
		words = append(words, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("words import: %v", err)
	}
	return words, nil
}

// reviewCall builds the requests of `review list|approve|reject`.
func (f *adminFlags) reviewCall(verb string, rest []string) (adminCall, string) {
	switch verb {
	case "list":
		if len(rest) != 0 {
			return adminCall{}, "review list takes no arguments"
		}
		path := ReviewsPath + "?state=" + escape(f.state)
		if f.limit > 0 {
			path += "&limit=" + strconv.Itoa(f.limit)
		}
		return adminCall{method: "GET", path: path, print: printHeld}, ""
	case "approve", "reject":
		if len(rest) != 1 {
			return adminCall{}, "review " + verb + " takes one held message id"
		}
		return adminCall{method: "POST", path: ReviewsPath + "/" + escape(rest[0]) + "/" + verb,
			print: printDecided}, ""
	}
	return adminCall{}, fmt.Sprintf("unknown command %q", "review "+verb)
}

func printAdded(done, action, scope string) func(io.Writer, []byte) error {
	if scope == "" {
		scope = policy.ScopeAll
	}
	return func(w io.Writer, body []byte) error {
		var r struct{ Added int }
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		fmt.Fprintf(w, "%d words %s (action %s, scope %s)\n", r.Added, done, action, scope)
		return nil
	}
}

func printRemoved(w io.Writer, body []byte) error {
	var r struct{ Removed int }
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d words removed\n", r.Removed)
	return nil
}

func printWords(w io.Writer, body []byte) error {
	var r struct{ Words []policy.Rule }
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORD\tACTION\tSCOPE")
	for _, rule := range r.Words {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", Printable(rule.Word), rule.Action, rule.Scope)
	}
	return tw.Flush()
}

func printHeld(w io.Writer, body []byte) error {
	var r struct{ Held []policy.HeldJSON }
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTOPIC\tFROM\tMSGID\tSENT\tREASON\tCONTENT")
	for _, h := range r.Held {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.State, h.Topic, h.From, Printable(h.MsgID),
			h.Created.Format("2006-01-02 15:04:05Z"), Printable(h.Reason), Printable(string(h.Content)))
	}
	return tw.Flush()
}

func printDecided(w io.Writer, body []byte) error {
	var r struct{ Held policy.HeldJSON }
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	h := r.Held
	if h.State == "approved" {
		fmt.Fprintf(w, "%s approved: delivered to %s at seq %d\n", h.ID, h.Topic, h.Seq)
		return nil
	}
	fmt.Fprintf(w, "%s %s\n", h.ID, h.State)
	return nil
}

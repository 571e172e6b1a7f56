package admin

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-im/parley/internal/trace"
)

// WriteTimeline prints events, oldest first, as a table: a header names the
// topic, msgid and seq the events share, and a column appears for each of
// them only when the events disagree (the same msgid in two topics, say).
//
//	topic grpQ5uT8wQdV5Y  msgid m-42  seq 17  (4 events)
//	TIME                      +ELAPSED  STAGE     SESSION  ATTEMPT  DETAIL
//	2025-03-01T10:15:02.113Z  +0s       accepted  kz3Hq1   -        -
func WriteTimeline(w io.Writer, events []trace.Event) {
	if len(events) == 0 {
		return
	}
	type column struct {
		name string
		get  func(trace.Event) string
	}
	shared := []column{
		{"TOPIC", func(e trace.Event) string { return e.Topic }},
		{"MSGID", func(e trace.Event) string { return e.MsgID }},
		{"SEQ", func(e trace.Event) string { return itoa(e.Seq) }},
	}
	first := events[0].Time
	cols := []column{
		{"TIME", func(e trace.Event) string { return e.Time.UTC().Format("2006-01-02T15:04:05.000Z") }},
		{"+ELAPSED", func(e trace.Event) string { return "+" + elapsed(e.Time.Sub(first)).String() }},
		{"STAGE", func(e trace.Event) string { return string(e.Stage) }},
	}
	var header []string
	for _, c := range shared {
		switch vals := distinct(events, c.get); len(vals) {
		case 0:
		case 1:
			header = append(header, strings.ToLower(c.name)+" "+Printable(vals[0]))
		default:
			cols = append(cols, c)
		}
	}
	cols = append(cols, column{"SESSION", func(e trace.Event) string { return e.Session }})
	if len(distinct(events, func(e trace.Event) string { return e.User })) > 0 {
		cols = append(cols, column{"USER", func(e trace.Event) string { return e.User }})
	}
	cols = append(cols,
		column{"ATTEMPT", func(e trace.Event) string { return itoa(e.Attempt) }},
		column{"DETAIL", func(e trace.Event) string { return e.Detail }})

	if len(events) == 1 {
		header = append(header, "(1 event)")
	} else {
		header = append(header, fmt.Sprintf("(%d events)", len(events)))
	}
	fmt.Fprintln(w, strings.Join(header, "  "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	fmt.Fprintln(tw, strings.Join(names, "\t"))
	for _, e := range events {
		cells := make([]string, len(cols))
		for i, c := range cols {
			if cells[i] = Printable(c.get(e)); cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

// distinct returns the non-empty values of get over events, in order of
// first appearance.
func distinct(events []trace.Event, get func(trace.Event) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range events {
		if v := get(e); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// elapsed rounds d to what a reader cares about: microseconds within the
// first second, milliseconds after.
func elapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// itoa formats n, with zero (unset) as empty.
func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Printable returns s as it is safe to print on an operator's terminal.
// Msgids, details and session ids come from clients or from data stored
// before they were checked: a control character (ESC, BEL) in them would
// drive the terminal, a format character (a right-to-left override) would
// disguise what is shown, and a tab or newline would break the table. Tabs,
// newlines and carriage returns become spaces, as a cell stays on its line
// and in its column; every other rune that is not printable, and each byte
// that is not UTF-8, is written as a Go escape (\x1b, \u202e), and a
// backslash as \\, so what is shown can be told apart from such an escape.
func Printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r == '\\':
			b.WriteString(`\\`)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r < utf8.RuneSelf:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += n
	}
	return b.String()
}

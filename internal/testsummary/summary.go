package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output events name the package here
	Test       string
	Output     string
}

// sdkPackage and sdkTestPrefix name the tinode-sdk conformance tests, whose
// fate gets a line of its own: they need Node and are skipped without it.
// The PostgreSQL conformance run gets one too: it needs a PostgreSQL
// server and is skipped without one.
const (
	sdkPackage    = "/test/sdk"
	sdkTestPrefix = "TestTinodeSDK"
	pgPackage     = "/internal/store/postgres"
	pgTestPrefix  = "TestConformance"
)

// summary collects the counts and keeps each running test's output until
// it is known whether anyone needs to see it.
type summary struct {
	out io.Writer

	passed, failed, skipped int
	failures                []string            // "pkg TestName", in the order they failed
	pending                 map[string][]string // output of tests still running, by pkg+" "+test
	pkgFailed               map[string]bool     // packages with a "fail" event of their own
	pkgTestFailed           map[string]bool     // packages where a test failed
	sdkRan, sdkFailed       int
	sdkSkip                 string // why the tinode-sdk test was skipped
	pg                      fate   // the PostgreSQL conformance suite
}

// fate is what happened to one optional test: how often it ran, failed,
// and why it was skipped.
type fate struct {
	ran, failed int
	skip        string
}

// note records e if it is a top-level test named prefix… in a package
// ending in pkg.
func (f *fate) note(e event, pkg, prefix, skip string) {
	if !strings.HasSuffix(e.Package, pkg) || !strings.HasPrefix(e.Test, prefix) || strings.Contains(e.Test, "/") {
		return
	}
	switch e.Action {
	case "pass":
		f.ran++
	case "fail":
		f.ran++
		f.failed++
	case "skip":
		f.skip = skip
	}
}

// line says what happened, after label.
func (f *fate) line(label string) string {
	switch {
	case f.ran > 0 && f.failed > 0:
		return fmt.Sprintf("%s: ran, %d of %d runs failed", label, f.failed, f.ran)
	case f.ran > 0:
		return fmt.Sprintf("%s: ran, passed (%d runs)", label, f.ran)
	case f.skip != "":
		return label + ": skipped: " + f.skip
	}
	return label + ": not run"
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, pending: map[string][]string{}, pkgFailed: map[string]bool{},
		pkgTestFailed: map[string]bool{}}
}

// read consumes a `go test -json` stream. Lines that are not JSON events
// (a go command error, say) are printed as they are.
func (s *summary) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(s.out, sc.Text())
			continue
		}
		s.handle(e)
	}
}

func (s *summary) handle(e event) {
	if e.Action == "build-output" || e.Action == "build-fail" {
		fmt.Fprint(s.out, e.Output)
		return
	}
	if e.Test == "" {
		s.packageEvent(e)
		return
	}
	key := e.Package + " " + e.Test
	switch e.Action {
	case "output":
		s.pending[key] = append(s.pending[key], e.Output)
	case "pass":
		s.passed++
		s.noteSDK(e, "")
		s.pg.note(e, pgPackage, pgTestPrefix, "")
		delete(s.pending, key)
	case "skip":
		s.skipped++
		s.noteSDK(e, skipReason(s.pending[key]))
		s.pg.note(e, pgPackage, pgTestPrefix, skipReason(s.pending[key]))
		delete(s.pending, key)
	case "fail":
		s.failed++
		s.failures = append(s.failures, key)
		s.pkgTestFailed[e.Package] = true
		s.noteSDK(e, "")
		s.pg.note(e, pgPackage, pgTestPrefix, "")
		fmt.Fprintf(s.out, "\n--- output of %s (%s):\n%s\n", e.Test, e.Package, strings.Join(s.pending[key], ""))
		delete(s.pending, key)
	}
}

// packageEvent prints a package's own lines ("ok pkg 1.2s", "FAIL pkg",
// a panic outside any test) and notes packages that failed on their own.
func (s *summary) packageEvent(e event) {
	switch e.Action {
	case "output":
		if t := strings.TrimSpace(e.Output); t != "PASS" && t != "FAIL" {
			fmt.Fprint(s.out, e.Output)
		}
	case "fail":
		s.pkgFailed[e.Package] = true
	}
}

// noteSDK records what happened to a tinode-sdk conformance test.
func (s *summary) noteSDK(e event, skip string) {
	if !strings.HasSuffix(e.Package, sdkPackage) || !strings.HasPrefix(e.Test, sdkTestPrefix) || strings.Contains(e.Test, "/") {
		return
	}
	switch e.Action {
	case "pass":
		s.sdkRan++
	case "fail":
		s.sdkRan++
		s.sdkFailed++
	case "skip":
		s.sdkSkip = skip
	}
}

// skipReason is the message a test gave t.Skip: the output line after the
// file:line prefix, before "--- SKIP".
func skipReason(lines []string) string {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") || t == "" {
			continue
		}
		if _, after, ok := strings.Cut(t, ": "); ok && strings.Contains(t[:strings.Index(t, ": ")], ".go:") {
			return after
		}
		return t
	}
	return "no reason given"
}

// finish prints the summary and returns the exit code; waitErr is the go
// command's exit error, if any.
func (s *summary) finish(waitErr error) int {
	// A package that failed with no failing test (a build error, a panic in
	// TestMain, a timeout) counts as one failure, so the line never says
	// "0 failed" for a red run.
	var pkgOnly []string
	for pkg := range s.pkgFailed {
		if !s.pkgTestFailed[pkg] {
			pkgOnly = append(pkgOnly, pkg)
		}
	}
	sort.Strings(pkgOnly)
	s.failed += len(pkgOnly)
	for _, pkg := range pkgOnly {
		s.failures = append(s.failures, pkg+" (the package itself: build, setup or timeout)")
	}
	fmt.Fprintln(s.out)
	if len(s.failures) > 0 {
		fmt.Fprintln(s.out, "failed:")
		for _, f := range s.failures {
			fmt.Fprintln(s.out, "  "+f)
		}
	}
	fmt.Fprintf(s.out, "make test: %d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	fmt.Fprintln(s.out, s.sdkLine())
	fmt.Fprintln(s.out, s.pg.line("postgresql store conformance"))
	if s.failed > 0 || waitErr != nil || s.passed+s.skipped == 0 {
		if waitErr != nil && s.failed == 0 {
			fmt.Fprintln(s.out, "the go command failed:", waitErr)
		}
		return 1
	}
	return 0
}

func (s *summary) sdkLine() string {
	switch {
	case s.sdkRan > 0 && s.sdkFailed > 0:
		return fmt.Sprintf("tinode-sdk conformance: ran, %d of %d runs failed", s.sdkFailed, s.sdkRan)
	case s.sdkRan > 0:
		return fmt.Sprintf("tinode-sdk conformance: ran, passed (%d runs)", s.sdkRan)
	case s.sdkSkip != "":
		return "tinode-sdk conformance: skipped: " + s.sdkSkip
	}
	return "tinode-sdk conformance: not run"
}

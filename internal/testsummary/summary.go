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

// suite is a test that drives something outside Go (Node, a browser) and is
// skipped where that is missing; its fate gets a line of its own, so a
// green run never hides that it did not run.
type suite struct {
	name       string // what the line calls it
	pkg        string // import path suffix of its package
	testPrefix string // top-level tests that belong to it
	ran, fails int
	skip       string // why it was skipped
}

// outsideSuites are the suites reported after the counts, in this order.
func outsideSuites() []*suite {
	return []*suite{
		{name: "tinode-sdk conformance", pkg: "/test/sdk", testPrefix: "TestTinodeSDK"},
		{name: "tinode-webapp in Chromium", pkg: "/test/webapp", testPrefix: "TestWebApp"},
		{name: "TypeScript SDK (web/sdk)", pkg: "/web/sdk", testPrefix: "TestTypeScriptSDK"},
		{name: "gRPC, a Python client", pkg: "/test/grpc", testPrefix: "TestPythonGRPC"},
		{name: "postgresql store conformance", pkg: "/internal/store/postgres", testPrefix: "TestConformance"},
		{name: "cluster of 3 gateways (NATS, PostgreSQL), with kills", pkg: "/test/chaos", testPrefix: "TestChaosCluster"},
		{name: "agent workbench in Chromium", pkg: "/test/workbench", testPrefix: "TestWorkbenchInBrowser"},
		{name: "customer widget in Chromium", pkg: "/web/widget", testPrefix: "TestWidgetInBrowser"},
		{name: "widget and workbench together in Chromium", pkg: "/test/desk-e2e", testPrefix: "TestDeskInBrowser"},
	}
}

// summary collects the counts and keeps each running test's output until
// it is known whether anyone needs to see it.
type summary struct {
	out io.Writer

	passed, failed, skipped int
	failures                []string            // "pkg TestName", in the order they failed
	pending                 map[string][]string // output of tests still running, by pkg+" "+test
	pkgFailed               map[string]bool     // packages with a "fail" event of their own
	pkgTestFailed           map[string]bool     // packages where a test failed
	suites                  []*suite
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, pending: map[string][]string{}, pkgFailed: map[string]bool{},
		pkgTestFailed: map[string]bool{}, suites: outsideSuites()}
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
		s.noteSuite(e, "")
		delete(s.pending, key)
	case "skip":
		s.skipped++
		s.noteSuite(e, skipReason(s.pending[key]))
		delete(s.pending, key)
	case "fail":
		s.failed++
		s.failures = append(s.failures, key)
		s.pkgTestFailed[e.Package] = true
		s.noteSuite(e, "")
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
		s.flushUnfinished(e.Package)
	}
}

// flushUnfinished prints the output of pkg's tests that never ended: when a
// test binary times out or panics, the stack dump is the output of the test
// that was running, and no pass or fail event will ever print it.
func (s *summary) flushUnfinished(pkg string) {
	var keys []string
	for key := range s.pending {
		if strings.HasPrefix(key, pkg+" ") {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		fmt.Fprintf(s.out, "\n--- output of %s, which did not finish:\n%s\n", key, strings.Join(s.pending[key], ""))
		delete(s.pending, key)
	}
}

// noteSuite records what happened to a top-level test of an outside suite.
func (s *summary) noteSuite(e event, skip string) {
	if strings.Contains(e.Test, "/") {
		return
	}
	for _, su := range s.suites {
		if !strings.HasSuffix(e.Package, su.pkg) || !strings.HasPrefix(e.Test, su.testPrefix) {
			continue
		}
		switch e.Action {
		case "pass":
			su.ran++
		case "fail":
			su.ran++
			su.fails++
		case "skip":
			su.skip = skip
		}
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
	for _, su := range s.suites {
		fmt.Fprintln(s.out, su.line())
	}
	if s.failed > 0 || waitErr != nil || s.passed+s.skipped == 0 {
		if waitErr != nil && s.failed == 0 {
			fmt.Fprintln(s.out, "the go command failed:", waitErr)
		}
		return 1
	}
	return 0
}

// line says whether the suite ran, failed or was skipped, and why.
func (su *suite) line() string {
	switch {
	case su.ran > 0 && su.fails > 0:
		return fmt.Sprintf("%s: ran, %d of %d runs failed", su.name, su.fails, su.ran)
	case su.ran > 0:
		return fmt.Sprintf("%s: ran, passed (%d runs)", su.name, su.ran)
	case su.skip != "":
		return su.name + ": skipped: " + su.skip
	}
	return su.name + ": not run"
}

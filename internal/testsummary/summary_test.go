package main

import (
	"regexp"
	"strings"
	"testing"
)

// ev writes one `go test -json` line.
func ev(action, pkg, test, output string) string {
	q := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "\n", `\n`) }
	return `{"Action":"` + action + `","Package":"` + pkg + `","Test":"` + test + `","Output":"` + q(output) + `"}` + "\n"
}

func summarise(t *testing.T, stream string) (int, string) {
	t.Helper()
	var out strings.Builder
	code := run(nil, strings.NewReader(stream), &out, &out)
	return code, out.String()
}

var summaryLine = regexp.MustCompile(`(?m)^make test: (\d+) passed, (\d+) failed, (\d+) skipped$`)

func TestCountsAndFailureOutput(t *testing.T) {
	const pkg = "example.com/p"
	stream := ev("run", pkg, "TestA", "") +
		ev("output", pkg, "TestA", "=== RUN   TestA\n") +
		ev("output", pkg, "TestA", "    a_test.go:9: quiet detail\n") +
		ev("pass", pkg, "TestA", "") +
		ev("output", pkg, "TestB", "=== RUN   TestB\n") +
		ev("output", pkg, "TestB", "    b_test.go:12: want 2, got 3\n") +
		ev("output", pkg, "TestB", "--- FAIL: TestB (0.00s)\n") +
		ev("fail", pkg, "TestB", "") +
		ev("output", pkg, "TestC", "    c_test.go:3: needs a database\n") +
		ev("skip", pkg, "TestC", "") +
		ev("output", pkg, "", "FAIL\n") +
		ev("output", pkg, "", "FAIL\texample.com/p\t0.01s\n") +
		ev("fail", pkg, "", "")
	code, out := summarise(t, stream)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if m := summaryLine.FindStringSubmatch(out); m == nil || m[1] != "1" || m[2] != "1" || m[3] != "1" {
		t.Errorf("summary line: %q in:\n%s", m, out)
	}
	if !strings.Contains(out, "want 2, got 3") || !strings.Contains(out, "FAIL\texample.com/p") {
		t.Errorf("the failing test's output or the package line is missing:\n%s", out)
	}
	if strings.Contains(out, "quiet detail") {
		t.Errorf("a passing test's output was printed:\n%s", out)
	}
}

func TestAllPassed(t *testing.T) {
	const pkg = "example.com/p"
	code, out := summarise(t, ev("pass", pkg, "TestA", "")+ev("output", pkg, "", "ok  \texample.com/p\t0.01s\n")+ev("pass", pkg, "", ""))
	if code != 0 || !strings.Contains(out, "\nmake test: 1 passed, 0 failed, 0 skipped\n") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// A package that fails without a failing test (a build error, a timeout
// panic, TestMain) is a failure too.
func TestPackageFailureCounts(t *testing.T) {
	const pkg = "example.com/broken"
	stream := `{"ImportPath":"example.com/broken","Action":"build-output","Output":"broken.go:3:1: syntax error\n"}` + "\n" +
		`{"ImportPath":"example.com/broken","Action":"build-fail"}` + "\n" +
		ev("output", pkg, "", "FAIL\texample.com/broken [build failed]\n") + ev("fail", pkg, "", "")
	code, out := summarise(t, stream)
	if code != 1 || !strings.Contains(out, "make test: 0 passed, 1 failed, 0 skipped") || !strings.Contains(out, "syntax error") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestNothingRanIsAFailure(t *testing.T) {
	if code, out := summarise(t, "go: no Go files\n"); code != 1 || !strings.Contains(out, "go: no Go files") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestSDKLine(t *testing.T) {
	const pkg = "github.com/parley-im/parley/test/sdk"
	skipped := ev("output", pkg, "TestTinodeSDK", "=== RUN   TestTinodeSDK\n") +
		ev("output", pkg, "TestTinodeSDK", "    sdk_test.go:55: node is not on PATH: install Node.js 20+\n") +
		ev("output", pkg, "TestTinodeSDK", "--- SKIP: TestTinodeSDK (0.00s)\n") +
		ev("skip", pkg, "TestTinodeSDK", "")
	if _, out := summarise(t, skipped); !strings.Contains(out, "\ntinode-sdk conformance: skipped: node is not on PATH: install Node.js 20+\n") {
		t.Errorf("skipped:\n%s", out)
	}
	ran := ev("pass", pkg, "TestTinodeSDK", "") + ev("pass", pkg, "TestTinodeSDKOverTLS", "")
	if _, out := summarise(t, ran); !strings.Contains(out, "tinode-sdk conformance: ran, passed (2 runs)") {
		t.Errorf("ran:\n%s", out)
	}
	if _, out := summarise(t, ev("pass", "example.com/p", "TestA", "")); !strings.Contains(out, "tinode-sdk conformance: not run") {
		t.Errorf("not run:\n%s", out)
	}
}

// Each outside suite has a line of its own: the browser test's fate is not
// read off the tinode-sdk one.
func TestEachSuiteLine(t *testing.T) {
	stream := ev("pass", "github.com/parley-im/parley/test/sdk", "TestTinodeSDK", "") +
		ev("fail", "github.com/parley-im/parley/test/webapp", "TestWebApp", "")
	_, out := summarise(t, stream)
	for _, want := range []string{"tinode-sdk conformance: ran, passed (1 runs)", "tinode-webapp in Chromium: ran, 1 of 1 runs failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// Given a command, testsummary runs it and fails when it fails.
func TestRunsTheCommand(t *testing.T) {
	var out strings.Builder
	if code := run([]string{"sh", "-c", `echo '{"Action":"pass","Package":"p","Test":"TestA"}'; exit 3`}, nil, &out, &out); code != 1 ||
		!strings.Contains(out.String(), "make test: 1 passed, 0 failed, 0 skipped") || !strings.Contains(out.String(), "exit status 3") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}

// A test binary that times out ends with no event for the test it was
// running; its output (the stack dump) must still be shown.
func TestUnfinishedTestOutputShown(t *testing.T) {
	const pkg = "example.com/hangs"
	stream := ev("output", pkg, "TestHangs", "=== RUN   TestHangs\n") +
		ev("output", pkg, "TestHangs", "panic: test timed out after 10m0s\n") +
		ev("output", pkg, "", "FAIL\texample.com/hangs 600.1s\n") + ev("fail", pkg, "", "")
	code, out := summarise(t, stream)
	if code != 1 || !strings.Contains(out, "panic: test timed out") || !strings.Contains(out, "did not finish") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// The PostgreSQL conformance suite's fate has a line of its own, with the
// reason when it was skipped.
func TestPostgresLine(t *testing.T) {
	const pkg = "github.com/parley-im/parley/internal/store/postgres"
	skipped := ev("output", pkg, "TestConformance", "    pgtest.go:80: pgtest: skipped: PostgreSQL at x does not answer\n") +
		ev("skip", pkg, "TestConformance", "")
	if _, out := summarise(t, skipped); !strings.Contains(out, "postgresql store conformance: skipped: pgtest: skipped: PostgreSQL at x does not answer") {
		t.Errorf("skip not reported:\n%s", out)
	}
	ran := ev("pass", pkg, "TestConformance/Users", "") + ev("pass", pkg, "TestConformance", "") +
		ev("pass", pkg, "TestConformanceUnbatched", "")
	if _, out := summarise(t, ran); !strings.Contains(out, "postgresql store conformance: ran, passed (2 runs)") {
		t.Errorf("run not reported:\n%s", out)
	}
}

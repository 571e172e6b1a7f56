package main

import (
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/trace"
)

// TestMain lets the tests run this binary as the parley command: with
// PARLEY_TEST_RUN_MAIN set it is main() itself.
func TestMain(m *testing.M) {
	if os.Getenv("PARLEY_TEST_RUN_MAIN") != "" {
		os.Args = append([]string{"parley"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// parley runs the command with args and returns its exit code and output.
func parley(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PARLEY_TEST_RUN_MAIN=1", "PARLEY_ADMIN_TOKEN=")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run parley: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

func TestTraceCommandExitCodes(t *testing.T) {
	rec := trace.NewRecorder(10, nil)
	rec.Record(trace.Event{Stage: trace.Stored, Topic: "grpA", MsgID: "m1", Seq: 1})
	gw := httptest.NewServer(admin.TraceHandler(rec, "t0ken", nil))
	defer gw.Close()

	code, out, errOut := parley(t, "trace", "--addr", gw.URL, "--token", "t0ken", "--msgid", "m1")
	if code != 0 || !strings.Contains(out, "stored") {
		t.Fatalf("found: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := parley(t, "trace", "--addr", gw.URL, "--token", "t0ken", "--msgid", "m2"); code != 1 ||
		!strings.Contains(errOut, "no events") {
		t.Fatalf("not found: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := parley(t, "trace", "--addr", gw.URL, "--token", "nope", "--msgid", "m1"); code != 1 ||
		!strings.Contains(errOut, "401") {
		t.Fatalf("wrong token: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := parley(t, "trace"); code != 2 || !strings.Contains(errOut, "usage: parley trace") {
		t.Fatalf("no query: exit %d, stderr %q", code, errOut)
	}
}

// Asking for help is not an error: usage on stdout, nothing on stderr,
// exit 0, for the command and each subcommand.
func TestHelpExitsZero(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "usage: parley <command>"},
		{[]string{"-h"}, "usage: parley <command>"},
		{[]string{"help"}, "usage: parley <command>"},
		{[]string{"help", "serve"}, "usage: parley serve"},
		{[]string{"serve", "--help"}, "usage: parley serve"},
		{[]string{"serve", "-h"}, "usage: parley serve"},
		{[]string{"bench", "--help"}, "usage: parley bench <scenario>"},
		{[]string{"bench", "pairs", "--help"}, "usage: parley bench pairs"},
		{[]string{"trace", "--help"}, "usage: parley trace"},
		{[]string{"admin", "--help"}, "usage: parley admin"},
		{[]string{"admin", "staff", "add", "--help"}, "usage: parley admin"},
		{[]string{"version", "--help"}, "usage: parley version"},
	} {
		code, out, errOut := parley(t, tc.args...)
		if code != 0 || !strings.HasPrefix(out, tc.want) || errOut != "" {
			t.Errorf("parley %s: exit %d, stdout %q, stderr %q; want 0 and %q on stdout",
				strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	code, out, errOut := parley(t, "frobnicate")
	if code != 2 || out != "" || !strings.Contains(errOut, `unknown command "frobnicate"`) ||
		!strings.Contains(errOut, "usage: parley <command>") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// Usage errors exit 2 with the reason on stderr, unlike help.
func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"serve", "--no-such-flag"},
		{"serve", "--max-message-size", "lots"},
		{"serve", "stray"},
		{"bench"},
		{"bench", "pairs", "--no-such-flag"},
		{"version", "stray"},
	} {
		if code, out, errOut := parley(t, args...); code != 2 || out != "" || errOut == "" {
			t.Errorf("parley %s: exit %d, stdout %q, stderr %q; want 2 with stderr only",
				strings.Join(args, " "), code, out, errOut)
		}
	}
}

// The operator's step after restoring a backup is a serve flag.
func TestServeHasNewEpochsFlag(t *testing.T) {
	code, out, _ := parley(t, "serve", "--help")
	if code != 0 || !strings.Contains(out, "--new-epochs") {
		t.Fatalf("serve --help: exit %d, flags:\n%s", code, out)
	}
}

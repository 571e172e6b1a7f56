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

func TestUnknownCommand(t *testing.T) {
	code, _, errOut := parley(t, "frobnicate")
	if code != 2 || !strings.Contains(errOut, "trace") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// The operator's step after restoring a backup is a serve flag.
func TestServeHasNewEpochsFlag(t *testing.T) {
	code, _, stderr := parley(t, "serve", "--help")
	if code != 0 || !strings.Contains(stderr, "-new-epochs") {
		t.Fatalf("serve --help: exit %d, flags:\n%s", code, stderr)
	}
}

package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// NodeRun is one `node --test` run of a browser script.
type NodeRun struct {
	What    string        // what the script tests, for the log: "the widget's browser test"
	Dir     string        // the folder node runs in
	Args    []string      // node's arguments after --test --test-reporter=spec
	Env     []string      // NAME=VALUE added to this process's environment
	Timeout time.Duration // bounds the whole run
	// Shots is the screenshot folder the log names on a failure.
	Shots string
	// RemoveShotsOnPass removes Shots when the script passes; otherwise
	// the log names the folder on a pass as well.
	RemoveShotsOnPass bool
}

// RunNode runs node --test --test-reporter=spec with r's arguments, writes
// its output into the test log line by line as it comes, and fails the test
// when node fails or does not finish within r.Timeout.
func RunNode(t *testing.T, node string, r NodeRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	defer cancel()
	args := append([]string{"--test", "--test-reporter=spec"}, r.Args...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), r.Env...)
	log := servertest.NewLineLog(t, "node: ")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err := cmd.Run()
	log.Flush()
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s did not finish within %v; screenshots so far in %s", r.What, r.Timeout, r.Shots)
	case err != nil:
		t.Fatalf("%s failed after %v: %v; screenshots in %s", r.What, took, err, r.Shots)
	}
	if r.RemoveShotsOnPass {
		os.RemoveAll(r.Shots)
		t.Logf("%s passed in %v", r.What, took)
		return
	}
	t.Logf("%s passed in %v; screenshots in %s", r.What, took, r.Shots)
}

// Stop sends the server SIGTERM and fails the test unless it exits with 0.
func Stop(t *testing.T, srv *servertest.Process) {
	t.Helper()
	srv.Terminate()
	if code := srv.ExitCode(); code != 0 {
		t.Fatalf("parley exited with %d after SIGTERM:\n%s", code, srv.Log())
	}
}

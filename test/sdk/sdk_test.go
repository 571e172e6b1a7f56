// Package sdk_test checks that the unmodified tinode-sdk npm package (0.25.3)
// works against a real Parley server.
//
// TestTinodeSDK starts cmd/parley as a separate process on a free loopback
// port with a fresh data directory (servertest.StartProcess), and runs conformance.mjs with
// Node's built-in test runner against it. It needs Node 20+ and this folder's
// npm dependencies:
//
//	npm ci --prefix test/sdk
//
// Without them the test is skipped, except under CI (env CI set), where
// missing dependencies fail it.
package sdk_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the whole node --test run.
const nodeTimeout = 5 * time.Minute

func TestTinodeSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server and runs Node: skipped in -short mode")
	}
	node := requireNode(t)
	sdkDir, err := os.Getwd() // go test runs in the package's folder: test/sdk
	if err != nil {
		t.Fatal(err)
	}
	requireNodeModules(t, sdkDir)

	srv := servertest.StartProcess(t, t.TempDir())
	runConformance(t, node, sdkDir, srv.Addr)
	srv.Terminate()
	if code := srv.ExitCode(); code != 0 {
		t.Fatalf("parley exited with %d after SIGTERM:\n%s", code, srv.Log())
	}
}

// requireNode returns the path of node, or skips the test.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: install Node.js 20+, then run `npm ci --prefix test/sdk`")
	}
	return node
}

// requireNodeModules skips (or under CI fails) when npm ci has not been run.
func requireNodeModules(t *testing.T, sdkDir string) {
	t.Helper()
	pkg := filepath.Join(sdkDir, "node_modules", "tinode-sdk", "package.json")
	if _, err := os.Stat(pkg); err == nil {
		return
	}
	msg := "test/sdk/node_modules is missing: run `npm ci --prefix test/sdk` from the repository root"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// runConformance runs conformance.mjs against addr and fails if node does.
func runConformance(t *testing.T, node, sdkDir, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "conformance.mjs")
	cmd.Dir = sdkDir
	cmd.Env = append(os.Environ(), "PARLEY_ADDR="+addr)
	log := newLineLogger(t, "node: ")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err := cmd.Run()
	log.Flush()
	if ctx.Err() != nil {
		t.Fatalf("node --test did not finish within %v", nodeTimeout)
	}
	if err != nil {
		t.Fatalf("tinode-sdk conformance failed after %v: %v (PARLEY_SDK_LOG=1 prints every frame)",
			time.Since(start).Round(time.Millisecond), err)
	}
	t.Logf("tinode-sdk conformance passed in %v", time.Since(start).Round(time.Millisecond))
}

// lineLogger is an io.Writer that sends each complete line to t.Log, so a
// child process's output appears in the test log as it is produced.
type lineLogger struct {
	t      *testing.T
	prefix string

	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

var _ io.Writer = (*lineLogger)(nil)

func newLineLogger(t *testing.T, prefix string) *lineLogger {
	return &lineLogger{t: t, prefix: prefix}
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // incomplete: keep for the next write
			return len(p), nil
		}
		l.t.Log(l.prefix + strings.TrimRight(line, "\r\n"))
	}
}

// Flush logs a trailing partial line, if any.
func (l *lineLogger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	sc := bufio.NewScanner(&l.buf)
	for sc.Scan() {
		l.t.Log(l.prefix + sc.Text())
	}
	l.buf.Reset()
}

// Package sdk_test checks that the unmodified tinode-sdk npm package (0.25.3)
// works against a real Parley server.
//
// TestTinodeSDK builds cmd/parley, starts it as a separate process on a free
// loopback port with a fresh data directory, and runs conformance.mjs with
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
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	startTimeout = 15 * time.Second // server: process start to accepting TCP
	nodeTimeout  = 5 * time.Minute  // the whole node --test run
	stopTimeout  = 5 * time.Second  // SIGTERM to exit, then SIGKILL
)

func TestTinodeSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server and runs Node: skipped in -short mode")
	}
	node := requireNode(t)
	root := moduleRoot(t)
	sdkDir := filepath.Join(root, "test", "sdk")
	requireNodeModules(t, sdkDir)

	bin := buildServer(t, root)
	addr := startServer(t, bin)
	runConformance(t, node, sdkDir, addr)
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

// moduleRoot is the directory holding go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside a Go module")
	}
	return filepath.Dir(gomod)
}

// buildServer compiles cmd/parley into a temporary directory.
func buildServer(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parley")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/parley")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/parley: %v\n%s", err, out)
	}
	return bin
}

// startServer runs `parley serve` on a free loopback port and returns its
// address once it accepts TCP connections. The server is stopped at cleanup.
func startServer(t *testing.T, bin string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", t.TempDir())
	log := newLineLogger(t, "parley: ")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stopServer(t, cmd, exited)
		log.Flush()
	})
	waitListening(t, addr, exited)
	return addr
}

// freeAddr picks a loopback port that is free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitListening polls until addr accepts a TCP connection, the server exits,
// or startTimeout passes.
func waitListening(t *testing.T, addr string, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not accept connections on %s within %v: %v", addr, startTimeout, err)
		}
		select {
		case werr := <-exited:
			t.Fatalf("server exited before listening on %s: %v", addr, werr)
		case <-tick.C:
		}
	}
}

// stopServer sends SIGTERM, then SIGKILL if the server does not exit in time.
func stopServer(t *testing.T, cmd *exec.Cmd, exited <-chan error) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("signal server: %v", err)
	}
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		t.Logf("server did not exit %v after SIGTERM; killing it", stopTimeout)
		_ = cmd.Process.Kill()
		<-exited
	}
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

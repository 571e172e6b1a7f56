// Package sdk_test runs the TypeScript SDK's tests (web/sdk) under Node:
// unit and property tests, and the tests against a real `parley serve`
// process, which the Node side starts, SIGKILLs and restarts itself from
// the binary this test builds (PARLEY_BIN).
//
// It needs Node 20+ and the web workspace's npm dependencies:
//
//	npm ci --prefix web
//
// Without them the test is skipped, except under CI (env CI set), where
// missing dependencies fail it.
package sdk_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// vitestTimeout bounds the whole vitest run.
const vitestTimeout = 8 * time.Minute

func TestTypeScriptSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a server and runs Node: skipped in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not on PATH: install Node.js 20+, then run `npm ci --prefix web`")
	}
	dir, err := os.Getwd() // go test runs in the package's folder: web/sdk
	if err != nil {
		t.Fatal(err)
	}
	vitest := filepath.Join(dir, "..", "node_modules", "vitest", "vitest.mjs")
	if _, err := os.Stat(vitest); err != nil {
		skipOrFail(t, "web/node_modules is missing: run `npm ci --prefix web` from the repository root")
	}
	bin := servertest.Binary(t)

	ctx, cancel := context.WithTimeout(context.Background(), vitestTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, vitest, "run")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PARLEY_BIN="+bin, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if ctx.Err() != nil {
		t.Fatalf("vitest did not finish within %v", vitestTimeout)
	}
	if err != nil {
		t.Fatalf("the TypeScript SDK's tests failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	}
}

// skipOrFail skips the test, or fails it under CI, where the dependencies
// must be installed.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

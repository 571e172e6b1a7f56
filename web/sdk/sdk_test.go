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
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// vitestTimeout bounds each Node run (the type check, the vitest run).
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
	// The strict type check first: vitest strips types without checking them.
	tsc := filepath.Join(dir, "..", "node_modules", "typescript", "bin", "tsc")
	runNode(t, dir, "the type check", node, tsc, "-p", "tsconfig.json", "--noEmit")
	bin := servertest.Binary(t)
	runNode(t, dir, "the TypeScript SDK's tests", node, vitest, "run", "PARLEY_BIN="+bin)
}

// runNode runs node with args in dir (an argument NAME=VALUE sets an
// environment variable instead) and fails the test if it fails.
func runNode(t *testing.T, dir, what, node string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), vitestTimeout)
	defer cancel()
	env := append(os.Environ(), "NO_COLOR=1")
	var argv []string
	for _, a := range args {
		if strings.HasPrefix(a, "PARLEY_") {
			env = append(env, a)
		} else {
			argv = append(argv, a)
		}
	}
	cmd := exec.CommandContext(ctx, node, argv...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %v", what, vitestTimeout)
	}
	if err != nil {
		t.Fatalf("%s failed after %v: %v", what, time.Since(start).Round(time.Millisecond), err)
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

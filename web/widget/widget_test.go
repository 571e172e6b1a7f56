// Package widget_test runs the customer widget (web/widget) in Debian's
// Chromium against a real `parley serve` process: test/widget.test.mjs,
// under Node's test runner, drives the page with playwright-core (which
// never downloads a browser) and the agents with the TypeScript SDK.
//
// It needs Node 20+, Chromium and the web workspace's npm packages:
//
//	apt-get install chromium
//	npm ci --prefix web
//
// When the widget or the SDK is not built yet, the test builds them (npm run
// build in web/) before it builds the server, which embeds the widget.
// Without the dependencies the test is skipped, except under CI (env CI
// set), where a missing piece fails it. Screenshots of the key screens are
// written to a folder the log names.
package widget_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the browser run; it takes well under a minute on an
// idle machine.
const nodeTimeout = 3 * time.Minute

// jwtKey is the merchant's HS256 secret in this test (at least 32 bytes).
const jwtKey = "widget-test-shop-secret-0123456789abcdef"

func TestWidgetInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server and runs a browser: skipped in -short mode")
	}
	node, err := exec.LookPath("node")
	require(t, err, "node is not on PATH: install Node.js 20+")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium" // Debian's package
	}
	_, err = os.Stat(chromium)
	require(t, err, "Chromium is not installed: apt-get install chromium")
	dir, err := os.Getwd() // go test runs in the package's folder: web/widget
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Dir(dir)
	_, err = os.Stat(filepath.Join(web, "node_modules", "playwright-core", "package.json"))
	require(t, err, "web/node_modules is missing: run `npm ci --prefix web` from the repository root")
	buildIfMissing(t, web)

	shots, err := os.MkdirTemp("", "parley-widget-shots-")
	if err != nil {
		t.Fatal(err)
	}
	const adminToken = "widget-test-admin-token"
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+adminToken,
		`PARLEY_JWT_KEYS={"shop":{"alg":"HS256","key":"`+jwtKey+`"}}`)
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "--test-concurrency=1",
		"test/widget.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PARLEY_ADDR="+srv.Addr, "PARLEY_ADMIN_TOKEN="+adminToken,
		"WIDGET_JWT_KEY="+jwtKey, "CHROMIUM="+chromium, "PARLEY_WIDGET_SHOTS="+shots)
	log := servertest.NewLineLog(t, "node: ")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err = cmd.Run()
	log.Flush()
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("the widget's browser test did not finish within %v; screenshots so far in %s", nodeTimeout, shots)
	case err != nil:
		t.Fatalf("the widget's browser test failed after %v: %v; screenshots in %s", took, err, shots)
	}
	t.Logf("the widget's browser test passed in %v; screenshots in %s", took, shots)
}

// buildIfMissing builds the web workspace (the SDK's dist, which the test's
// agents import, and the widget's, which the server embeds) when either is
// missing.
func buildIfMissing(t *testing.T, web string) {
	t.Helper()
	_, errSDK := os.Stat(filepath.Join(web, "sdk", "dist", "index.js"))
	_, errWidget := os.Stat(filepath.Join(web, "widget", "dist", "index.html"))
	if errSDK == nil && errWidget == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	require(t, err, "npm is not on PATH: it builds the widget")
	cmd := exec.Command(npm, "run", "build", "--prefix", web)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm run build in web/: %v\n%s", err, out)
	}
}

// require skips the test with msg when err is not nil, or fails it under
// CI, where every piece must be there.
func require(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (%v)", msg, err)
	}
	t.Skipf("%s (%v)", msg, err)
}

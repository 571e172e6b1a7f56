// Package webapp_test runs Tinode's official web app, the npm package
// tinode-webapp 0.25.3 unmodified, in Debian's Chromium against a real Parley
// server, as people would use it: two users sign up, one finds the other and
// starts a chat from search, they exchange messages, one comes back to what
// was sent while away, one creates a group and invites the other, and a
// third user signs in over long polling.
//
// TestWebApp starts cmd/parley as a separate process (servertest.StartProcess)
// and runs flows.mjs with Node's test runner. flows.mjs serves the app's
// files from a loopback HTTP server of its own (another origin than Parley's,
// as in a real deployment), answers the CDN requests of the app's index.html
// from this folder's npm packages, and drives /usr/bin/chromium (or
// $CHROMIUM) with playwright-core, which never downloads a browser. It needs
// Node 20+, Chromium, and this folder's npm dependencies:
//
//	apt-get install chromium
//	npm ci --prefix test/webapp
//
// Without them the test is skipped, except under CI (env CI set), where a
// missing piece fails it. On a failure the screenshots of every window are
// kept in a temporary folder whose path the log gives, and the log has each
// window's WebSocket frames during the failed flow.
package webapp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the whole run: the flows take about half a minute on an
// idle machine, and the brief for this test allows three minutes.
const nodeTimeout = 3 * time.Minute

func TestWebApp(t *testing.T) {
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
	dir, err := os.Getwd() // go test runs in the package's folder: test/webapp
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"tinode-webapp", "playwright-core"} {
		_, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json"))
		require(t, err, "test/webapp/node_modules is missing: run `npm ci --prefix test/webapp` from the repository root")
	}

	srv := servertest.StartProcess(t, t.TempDir())
	runFlows(t, node, chromium, dir, srv.Addr)
	srv.Terminate()
	if code := srv.ExitCode(); code != 0 {
		t.Fatalf("parley exited with %d after SIGTERM:\n%s", code, srv.Log())
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

// runFlows runs flows.mjs against addr and fails if node does. Screenshots
// go to a temporary folder that is removed when the flows pass.
func runFlows(t *testing.T, node, chromium, dir, addr string) {
	t.Helper()
	shots, err := os.MkdirTemp("", "parley-webapp-shots-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "flows.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PARLEY_ADDR="+addr, "CHROMIUM="+chromium, "PARLEY_WEBAPP_SHOTS="+shots)
	log := servertest.NewLineLog(t, "node: ")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err = cmd.Run()
	log.Flush()
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("the web app flows did not finish within %v; screenshots so far in %s", nodeTimeout, shots)
	case err != nil:
		t.Fatalf("the web app flows failed after %v: %v; screenshots in %s", took, err, shots)
	}
	os.RemoveAll(shots)
	t.Logf("the web app flows passed in %v", took)
}

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
	"os"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/browsertest"
	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the whole run: the flows take about half a minute on an
// idle machine, and the brief for this test allows three minutes.
const nodeTimeout = 3 * time.Minute

func TestWebApp(t *testing.T) {
	tools := browsertest.RequireTools(t)
	dir, err := os.Getwd() // go test runs in the package's folder: test/webapp
	if err != nil {
		t.Fatal(err)
	}
	browsertest.RequirePackages(t, dir,
		"test/webapp/node_modules is missing: run `npm ci --prefix test/webapp` from the repository root",
		"tinode-webapp", "playwright-core")

	srv := servertest.StartProcess(t, t.TempDir())
	// The screenshots are removed when the flows pass.
	shots := browsertest.ShotsDir(t, "", "parley-webapp-shots-")
	browsertest.RunNode(t, tools.Node, browsertest.NodeRun{
		What: "the web app flows", Dir: dir, Args: []string{"flows.mjs"}, Timeout: nodeTimeout,
		Env:   []string{"PARLEY_ADDR=" + srv.Addr, "CHROMIUM=" + tools.Chromium, "PARLEY_WEBAPP_SHOTS=" + shots},
		Shots: shots, RemoveShotsOnPass: true,
	})
	browsertest.Stop(t, srv)
}

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
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/browsertest"
	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the browser run; it takes well under a minute on an
// idle machine.
const nodeTimeout = 3 * time.Minute

// jwtKey is the merchant's HS256 secret in this test (at least 32 bytes).
const jwtKey = "widget-test-shop-secret-0123456789abcdef"

func TestWidgetInBrowser(t *testing.T) {
	tools := browsertest.RequireTools(t)
	dir, err := os.Getwd() // go test runs in the package's folder: web/widget
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Dir(dir)
	browsertest.RequirePackages(t, web,
		"web/node_modules is missing: run `npm ci --prefix web` from the repository root", "playwright-core")
	// The SDK's dist, which the test's agents import, and the widget's,
	// which the server embeds.
	browsertest.BuildWebIfMissing(t, web, "npm is not on PATH: it builds the widget",
		"sdk/dist/index.js", "widget/dist/index.html")

	shots := browsertest.ShotsDir(t, "", "parley-widget-shots-")
	const adminToken = "widget-test-admin-token"
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+adminToken,
		`PARLEY_JWT_KEYS={"shop":{"alg":"HS256","key":"`+jwtKey+`"}}`)
	browsertest.RunNode(t, tools.Node, browsertest.NodeRun{
		What: "the widget's browser test", Dir: dir,
		Args: []string{"--test-concurrency=1", "test/widget.test.mjs"}, Timeout: nodeTimeout,
		Env: []string{"PARLEY_ADDR=" + srv.Addr, "PARLEY_ADMIN_TOKEN=" + adminToken,
			"WIDGET_JWT_KEY=" + jwtKey, "CHROMIUM=" + tools.Chromium, "PARLEY_WIDGET_SHOTS=" + shots},
		Shots: shots,
	})
}

// Package browsertest is the shared set-up of the Go tests that drive Node
// and Chromium against a real `parley serve` process (test/webapp,
// test/workbench, web/widget, test/desk-e2e): finding node and Chromium,
// checking npm packages, building the web apps when they are not built,
// choosing the screenshot folder, and running `node --test` with its output
// streamed into the test log.
//
// A missing piece skips the test with a message that says how to install
// it, except under CI (env CI set), where every piece must be there and a
// missing one fails the test.
package browsertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Tools are the programs a browser test runs.
type Tools struct {
	Node     string // path of node
	Chromium string // path of the Chromium binary, given to the scripts as CHROMIUM
}

// RequireTools skips the test in -short mode, and skips it (fails it under
// CI) when node is not on PATH or Chromium is not installed. Chromium is
// $CHROMIUM, or Debian's /usr/bin/chromium.
func RequireTools(t *testing.T) Tools {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts a server and runs a browser: skipped in -short mode")
	}
	node, err := exec.LookPath("node")
	Require(t, err, "node is not on PATH: install Node.js 20+")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium" // Debian's package
	}
	_, err = os.Stat(chromium)
	Require(t, err, "Chromium is not installed: apt-get install chromium")
	return Tools{Node: node, Chromium: chromium}
}

// Require skips the test with msg when err is not nil, or fails it under
// CI, where every piece must be there.
func Require(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (%v)", msg, err)
	}
	t.Skipf("%s (%v)", msg, err)
}

// RequirePackages checks that each npm package in pkgs is installed in
// dir/node_modules, and otherwise skips (under CI fails) with msg, which
// should say how to install them.
func RequirePackages(t *testing.T, dir, msg string, pkgs ...string) {
	t.Helper()
	for _, pkg := range pkgs {
		_, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json"))
		Require(t, err, msg)
	}
}

// BuildWebIfMissing runs `npm run build` in the web workspace web when any
// of the files built (paths relative to web, such as
// "widget/dist/index.html") is missing. npmMissing is the message when npm
// is needed and not on PATH.
func BuildWebIfMissing(t *testing.T, web, npmMissing string, built ...string) {
	t.Helper()
	missing := false
	for _, f := range built {
		if _, err := os.Stat(filepath.Join(web, f)); err != nil {
			missing = true
		}
	}
	if !missing {
		return
	}
	npm, err := exec.LookPath("npm")
	Require(t, err, npmMissing)
	cmd := exec.Command(npm, "run", "build", "--prefix", web)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm run build in web/: %v\n%s", err, out)
	}
}

// ShotsDir returns the folder screenshots go to: $envVar when envVar is
// not empty and that variable is set, else a new temporary folder named
// after prefix, which is left in place for the developer to look at.
func ShotsDir(t *testing.T, envVar, prefix string) string {
	t.Helper()
	if envVar != "" {
		if dir := os.Getenv(envVar); dir != "" {
			return dir
		}
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

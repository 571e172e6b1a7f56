// Package workbench_test runs the agent workbench (web/workbench) in Debian's
// Chromium against a real `parley serve` process built with the workbench
// embedded: two agents in separate browser contexts and a supervisor in
// Chinese, with customers driven by the TypeScript SDK under Node. The flows
// are web/workbench/e2e/flows.mjs (route, chat both ways, a private note, a
// reload while sending, five messages sent offline, transfer, close, reopen,
// the supervisor page).
//
// It needs Node 20+, Chromium and the web workspace's npm dependencies:
//
//	apt-get install chromium
//	npm ci --prefix web
//
// When web/workbench/dist holds no build, the test builds it (Vite) before
// building the server; .ci/run builds the web apps (`make web`) first. Without the
// dependencies the test is skipped, except under CI (env CI set), where a
// missing piece fails it. Screenshots of the key screens go to the folder
// the log names (PARLEY_WORKBENCH_SHOTS chooses it).
package workbench_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/browsertest"
	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the flows: about a minute on an idle machine.
const nodeTimeout = 3 * time.Minute

// buildTimeout bounds building the web apps when they are not built.
const buildTimeout = 5 * time.Minute

const adminToken = "workbench-test-admin"

func TestWorkbenchInBrowser(t *testing.T) {
	tools := browsertest.RequireTools(t)
	web, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	browsertest.RequirePackages(t, web,
		"web/node_modules is missing: run `npm ci --prefix web` from the repository root",
		"playwright-core", "ws", "vite")
	buildIfMissing(t, web)

	shots := browsertest.ShotsDir(t, "PARLEY_WORKBENCH_SHOTS", "parley-workbench-shots-")
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+adminToken)
	browsertest.RunNode(t, tools.Node, browsertest.NodeRun{
		What: "the workbench flows", Dir: filepath.Join(web, "workbench", "e2e"),
		Args: []string{"--test-concurrency=1", "flows.mjs"}, Timeout: nodeTimeout,
		Env: []string{"PARLEY_ADDR=" + srv.Addr, "PARLEY_ADMIN_TOKEN=" + adminToken,
			"CHROMIUM=" + tools.Chromium, "PARLEY_WORKBENCH_SHOTS=" + shots, "NO_COLOR=1"},
		Shots: shots,
	})
	browsertest.Stop(t, srv)
}

// buildIfMissing builds the workbench when web/workbench/dist holds no build:
// the server binary embeds whatever that folder holds when it is built. Vite
// writes into a temporary folder, whose files are then copied in, index.html
// last: other test packages build parley binaries meanwhile, and a dist
// folder that Vite had emptied (its placeholder gone) would fail their
// go:embed.
func buildIfMissing(t *testing.T, web string) {
	t.Helper()
	dist := filepath.Join(web, "workbench", "dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	browsertest.Require(t, err, "the workbench is not built and npm is not on PATH: run `make web`")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	if _, err := os.Stat(filepath.Join(web, "sdk", "dist", "index.js")); err != nil {
		run(ctx, t, filepath.Join(web, "sdk"), npm, "run", "build")
	}
	out := t.TempDir()
	dir := filepath.Join(web, "workbench")
	run(ctx, t, dir, npm, "exec", "--", "tsc", "-p", "tsconfig.json", "--noEmit")
	run(ctx, t, dir, npm, "exec", "--", "vite", "build", "--outDir", out, "--emptyOutDir")
	if err := os.CopyFS(dist, os.DirFS(filepath.Join(out))); err != nil {
		t.Fatalf("copying the workbench build into %s: %v", dist, err)
	}
}

func run(ctx context.Context, t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, out)
	}
}

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
//
// TestTinodeSDKOverTLS runs tls.mjs the same way against a server serving
// TLS with a certificate the test makes, with the SDK's `secure: true`
// (wss:// and https:// long polling) and the test's CA given to Node in
// NODE_EXTRA_CA_CERTS.
package sdk_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the whole node --test run.
const nodeTimeout = 5 * time.Minute

func TestTinodeSDK(t *testing.T) {
	node, sdkDir := requireSDK(t)

	// The jwt scheme on, with an HS256 key the script signs customer
	// tokens with, as a merchant's backend would.
	const jwtKey = "sdk-conformance-merchant-key-0123456789"
	srv := servertest.StartProcess(t, t.TempDir(), `PARLEY_JWT_KEYS={"sdk":{"alg":"HS256","key":"`+jwtKey+`"}}`)
	runNode(t, node, sdkDir, "conformance.mjs", "PARLEY_ADDR="+srv.Addr, "PARLEY_JWT_KEY="+jwtKey)
	srv.Terminate()
	if code := srv.ExitCode(); code != 0 {
		t.Fatalf("parley exited with %d after SIGTERM:\n%s", code, srv.Log())
	}
}

// requireSDK returns node's path and this folder (go test runs in it),
// or skips the test: in -short mode, without node, or (failing under CI)
// without this folder's npm packages.
func requireSDK(t *testing.T) (node, sdkDir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts a server and runs Node: skipped in -short mode")
	}
	node = requireNode(t)
	sdkDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	requireNodeModules(t, sdkDir)
	return node, sdkDir
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

func TestTinodeSDKOverTLS(t *testing.T) {
	node, sdkDir := requireSDK(t)

	ca := servertest.NewCA(t)
	dir := t.TempDir()
	certPath, keyPath, _ := ca.WriteFiles(t, dir, "127.0.0.1")
	caPath := filepath.Join(dir, "ca.pem")
	servertest.WriteFile(t, caPath, ca.PEM)
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_TLS_CERT="+certPath, "PARLEY_TLS_KEY="+keyPath)
	runNode(t, node, sdkDir, "tls.mjs", "PARLEY_ADDR="+srv.Addr, "PARLEY_SECURE=1", "NODE_EXTRA_CA_CERTS="+caPath)
}

// runNode runs one of this folder's test scripts with node --test, with env
// added to the environment, and fails if node does.
func runNode(t *testing.T, node, sdkDir, script string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", script)
	cmd.Dir = sdkDir
	cmd.Env = append(os.Environ(), env...)
	log := servertest.NewLineLog(t, "node: ")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err := cmd.Run()
	log.Flush()
	if ctx.Err() != nil {
		t.Fatalf("node --test did not finish within %v", nodeTimeout)
	}
	if err != nil {
		t.Fatalf("tinode-sdk %s failed after %v: %v (PARLEY_SDK_LOG=1 prints every frame)",
			script, time.Since(start).Round(time.Millisecond), err)
	}
	t.Logf("tinode-sdk %s passed in %v", script, time.Since(start).Round(time.Millisecond))
}

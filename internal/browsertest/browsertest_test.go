package browsertest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// skipped runs f in a subtest and reports whether it skipped.
func skipped(t *testing.T, f func(t *testing.T)) bool {
	t.Helper()
	var sub *testing.T
	t.Run("inner", func(t *testing.T) { sub = t; f(t) })
	return sub.Skipped()
}

func TestRequireSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	if !skipped(t, func(t *testing.T) { Require(t, errors.New("gone"), "npm is missing") }) {
		t.Error("Require with an error did not skip outside CI")
	}
	if skipped(t, func(t *testing.T) { Require(t, nil, "npm is missing") }) {
		t.Error("Require without an error skipped")
	}
}

func TestRequirePackagesSkipsWhenOneIsMissing(t *testing.T) {
	t.Setenv("CI", "")
	dir := t.TempDir()
	pkg := filepath.Join(dir, "node_modules", "ws")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if skipped(t, func(t *testing.T) { RequirePackages(t, dir, "run npm ci", "ws") }) {
		t.Error("skipped although ws is installed")
	}
	if !skipped(t, func(t *testing.T) { RequirePackages(t, dir, "run npm ci", "ws", "vite") }) {
		t.Error("did not skip although vite is missing")
	}
}

func TestShotsDirPrefersTheVariable(t *testing.T) {
	want := t.TempDir()
	t.Setenv("PARLEY_TEST_SHOTS", want)
	if got := ShotsDir(t, "PARLEY_TEST_SHOTS", "parley-test-shots-"); got != want {
		t.Errorf("ShotsDir = %s, want %s from the variable", got, want)
	}
	t.Setenv("PARLEY_TEST_SHOTS", "")
	got := ShotsDir(t, "PARLEY_TEST_SHOTS", "parley-test-shots-")
	defer os.RemoveAll(got)
	if fi, err := os.Stat(got); err != nil || !fi.IsDir() || got == want {
		t.Errorf("ShotsDir without the variable = %s (%v), want a new folder", got, err)
	}
}

func TestBuildWebIfMissingLeavesABuildAlone(t *testing.T) {
	web := t.TempDir()
	built := filepath.Join(web, "sdk", "dist", "index.js")
	if err := os.MkdirAll(filepath.Dir(built), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(built, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// No package.json in web: running npm would fail the test.
	BuildWebIfMissing(t, web, "npm is missing", "sdk/dist/index.js")
}

func TestRunNodeRemovesShotsOnPass(t *testing.T) {
	node := RequireTools(t).Node
	dir := t.TempDir()
	script := filepath.Join(dir, "ok.test.mjs")
	body := "import test from 'node:test';\ntest('env', () => { if (process.env.X !== '1') throw new Error('X'); });\n"
	if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	shots := ShotsDir(t, "", "parley-test-shots-")
	RunNode(t, node, NodeRun{What: "a script", Dir: dir, Args: []string{"ok.test.mjs"},
		Env: []string{"X=1"}, Timeout: time.Minute, Shots: shots, RemoveShotsOnPass: true})
	if _, err := os.Stat(shots); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the screenshot folder is still there after a pass (%v)", err)
	}
}

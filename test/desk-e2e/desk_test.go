// Package deske2e_test runs the whole desk in Debian's Chromium against one
// real `parley serve` process: a customer in the widget (/widget/) and two
// agents, ann and bob, in the workbench (/), each in a browser context of
// its own. The team's FAQ and the message policy's words are set with the
// real `parley admin` command line; the browser steps are desk.test.mjs
// (robot answer and hand-off, routing, chat both ways with typing and read
// ticks, a private note, a blocked and a masked word, reloads, five
// messages sent offline, transfer, close and reopen).
//
// It needs Node 20+, Chromium and the web workspace's npm packages:
//
//	apt-get install chromium
//	npm ci --prefix web
//
// When the SDK, the workbench or the widget is not built, the test builds
// them (npm run build in web/) before it builds the server, which embeds the
// apps. Without the dependencies the test is skipped, except under CI (env
// CI set), where a missing piece fails it. Screenshots of each key step go
// to the folder the log names (PARLEY_DESK_SHOTS chooses it).
package deske2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/browsertest"
	"github.com/parley-im/parley/internal/server/servertest"
)

// nodeTimeout bounds the browser run; it takes about a minute on an idle
// machine.
const nodeTimeout = 3 * time.Minute

const adminToken = "desk-e2e-admin-token"

// faq is the team's FAQ, imported with `parley admin faq import`; its
// questions share the word "return", so an answer comes with the others as
// suggestions.
const faq = `[
 {"question": "How do I return an item?",
  "answer": "You can return any item within 30 days from Orders > Return.",
  "keywords": ["return", "send back"]},
 {"question": "How long does a refund for a return take?",
  "answer": "Refunds reach your card within 5 days of the return arriving.",
  "keywords": ["refund"]},
 {"question": "Can I return a gift?",
  "answer": "Yes, with the gift receipt.",
  "keywords": ["gift"]}
]`

// The message policy's words, set with `parley admin words add`; the
// browser script uses the same ones (BLOCKED_WORD, MASKED_WORD).
const (
	blockedWord = "scamlink"
	maskedWord  = "darn"
)

func TestDeskInBrowser(t *testing.T) {
	tools := browsertest.RequireTools(t)
	dir, err := os.Getwd() // go test runs in the package's folder: test/desk-e2e
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(dir, "..", "..", "web")
	browsertest.RequirePackages(t, web,
		"web/node_modules is missing: run `npm ci --prefix web` from the repository root", "playwright-core", "ws")
	// The SDK, which the script's harness imports, and the two apps, which
	// the server embeds.
	browsertest.BuildWebIfMissing(t, web, "the web apps are not built and npm is not on PATH: run `make web`",
		"sdk/dist/index.js", "workbench/dist/index.html", "widget/dist/index.html")

	shots := browsertest.ShotsDir(t, "PARLEY_DESK_SHOTS", "parley-desk-shots-")
	srv := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN="+adminToken)
	setUpDesk(t, srv.Addr)

	browsertest.RunNode(t, tools.Node, browsertest.NodeRun{
		What: "the desk's browser test", Dir: dir,
		Args: []string{"--test-concurrency=1", "desk.test.mjs"}, Timeout: nodeTimeout,
		Env: []string{"PARLEY_ADDR=" + srv.Addr, "PARLEY_ADMIN_TOKEN=" + adminToken,
			"CHROMIUM=" + tools.Chromium, "PARLEY_DESK_SHOTS=" + shots, "BLOCKED_WORD=" + blockedWord,
			"MASKED_WORD=" + maskedWord, "NO_COLOR=1"},
		Shots: shots,
	})
	browsertest.Stop(t, srv)
}

// setUpDesk makes the team, imports its FAQ and adds the policy's words
// through the real command line, as an operator would.
func setUpDesk(t *testing.T, addr string) {
	t.Helper()
	faqFile := filepath.Join(t.TempDir(), "faq.json")
	if err := os.WriteFile(faqFile, []byte(faq), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := servertest.Binary(t)
	for _, args := range [][]string{
		{"team", "add", "sales"},
		{"faq", "import", "--team", "sales", faqFile},
		{"words", "add", "--action", "block", "--scope", "customer", blockedWord},
		{"words", "add", "--action", "mask", "--scope", "all", maskedWord},
	} {
		cmd := exec.Command(bin, append(append([]string{"admin"}, args...), "--addr", addr)...)
		cmd.Env = append(os.Environ(), "PARLEY_ADMIN_TOKEN="+adminToken)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("parley admin %v: %v\n%s", args, err, out)
		}
	}
}

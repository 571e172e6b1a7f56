package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestAdminFAQCommands: `parley admin faq import` against a real server
// process puts a team's conversations with the robot; a malformed file is
// refused before anything is sent, an unknown team by the server.
func TestAdminFAQCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	p := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN=adm1n")
	env := []string{"PARLEY_ADMIN_TOKEN=adm1n", "PARLEY_ADMIN_ADDR=" + p.Addr}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return parleyEnv(t, env, "", append([]string{"admin"}, args...)...)
	}
	if code, out, errOut := run("team", "add", "sales"); code != 0 {
		t.Fatalf("team add: %d %s%s", code, out, errOut)
	}
	faq := filepath.Join("..", "..", "internal", "robot", "testdata", "faq_zh.json")
	if code, out, errOut := run("faq", "import", "--team", "sales", faq); code != 0 || out != "team sales: 8 FAQ entries\n" {
		t.Fatalf("faq import: %d %q %s", code, out, errOut)
	}
	if code, out, _ := run("faq", "list", "--team", "sales"); code != 0 || !strings.Contains(out, "Q: 运费是多少？\nA: 订单满99元包邮") {
		t.Errorf("faq list: %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[{"question":"no answer"}]`), 0o600)
	if code, _, errOut := run("faq", "import", "--team", "sales", bad); code != 2 || !strings.Contains(errOut, "answer") {
		t.Errorf("a file without an answer: exit %d, %s", code, errOut)
	}
	if code, _, errOut := run("faq", "import", "--team", "nope", faq); code != 1 || !strings.Contains(errOut, "unknown team") {
		t.Errorf("an unknown team: exit %d, %s", code, errOut)
	}
	if code, _, _ := run("faq", "import", faq); code != 2 {
		t.Errorf("no --team: exit %d, want 2", code)
	}

	c, err := servertest.DialAddr(t, p.Addr, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Hi()
	if ctrl := c.Signup("carol", "pass123"); ctrl.Code() != 200 {
		t.Fatalf("signup: %v", ctrl)
	}
	id := c.ID()
	open := c.Request(id, servertest.Msg{"action": servertest.Msg{"id": id, "what": "service.open", "params": servertest.Msg{"team": "sales"}}})
	if open.Get("params.state") != "bot" {
		t.Errorf("service.open after the import: %v, want state bot", open)
	}
}

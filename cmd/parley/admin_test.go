package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// parleyEnv runs the command with extra environment and optional stdin.
func parleyEnv(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "PARLEY_TEST_RUN_MAIN=1", "PARLEY_ADMIN_TOKEN=", "PARLEY_ADMIN_ADDR="), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run parley: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// TestAdminCommands drives `parley admin` against a real `parley serve`
// process, as a merchant setting up a desk would.
func TestAdminCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	p := servertest.StartProcess(t, t.TempDir(), "PARLEY_ADMIN_TOKEN=adm1n")
	env := []string{"PARLEY_ADMIN_TOKEN=adm1n", "PARLEY_ADMIN_ADDR=" + p.Addr}
	ok := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := parleyEnv(t, env, stdin, append([]string{"admin"}, args...)...)
		if code != 0 {
			t.Fatalf("parley admin %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	if out := ok("", "team", "add", "sales"); out != "team sales added (on_offline requeue)\n" {
		t.Errorf("team add: %q", out)
	}
	ok("", "team", "add", "vip", "--on-offline", "keep")
	out := ok("", "staff", "add", "--login", "ann", "--password", "pass123", "--role", "agent",
		"--team", "sales", "--capacity", "4")
	if !strings.HasPrefix(out, "ann added: usr") || !strings.Contains(out, "role agent, capacity 4, teams [sales]") {
		t.Errorf("staff add: %q", out)
	}
	ok("sup3rpass\n", "staff", "add", "--login", "sue", "--password", "-", "--role", "supervisor")
	ok("", "staff", "set", "ann", "--add-team", "vip", "--capacity", "6")
	ok("", "staff", "disable", "sue")
	out = ok("", "staff", "list")
	for _, want := range []string{"LOGIN", "ann", "agent", "6", "sales,vip", "enabled", "sue", "supervisor", "disabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("staff list lacks %q:\n%s", want, out)
		}
	}
	if out := ok("", "team", "list"); !strings.Contains(out, "vip") || !strings.Contains(out, "keep") {
		t.Errorf("team list:\n%s", out)
	}
	// The password read from stdin is the one that works.
	c, err := servertest.DialAddr(t, p.Addr, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Hi()
	ok("", "staff", "enable", "sue")
	if ctrl := c.Login("sue", "sup3rpass"); ctrl.Code() != 200 {
		t.Errorf("login with the password given on stdin: %v", ctrl)
	}

	// Failures exit 1 with the server's reason; usage errors exit 2.
	fail := []struct {
		code int
		want string
		args []string
	}{
		{1, "exists", []string{"team", "add", "sales"}},
		{1, "unknown team", []string{"staff", "add", "--login", "bob", "--password", "pass123", "--role", "agent", "--team", "ghost"}},
		{1, "unknown login", []string{"staff", "disable", "nobody"}},
		{1, "401", []string{"team", "list", "--token", "wrong"}},
		{2, "needs --login", []string{"staff", "add", "--role", "agent"}},
		{2, "unknown command", []string{"team", "drop", "x"}},
		{2, "name an object", []string{}},
	}
	for _, f := range fail {
		code, _, errOut := parleyEnv(t, env, "", append([]string{"admin"}, f.args...)...)
		if code != f.code || !strings.Contains(errOut, f.want) {
			t.Errorf("parley admin %s: exit %d, stderr %q; want exit %d and %q",
				strings.Join(f.args, " "), code, errOut, f.code, f.want)
		}
	}
	// Without PARLEY_ADMIN_ADDR the default address is used; --addr wins.
	code, _, errOut := parleyEnv(t, []string{"PARLEY_ADMIN_TOKEN=adm1n"}, "", "admin", "team", "list", "--addr", p.Addr)
	if code != 0 {
		t.Errorf("--addr: exit %d %s", code, errOut)
	}
	code, _, _ = parleyEnv(t, nil, "", "admin", "team", "list", "--addr", p.Addr)
	if code != 2 {
		t.Errorf("without a token: exit %d, want 2", code)
	}
}

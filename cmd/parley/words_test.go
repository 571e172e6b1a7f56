package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// TestAdminWordsAndReviews drives `parley admin words` and `review`
// against a real server process: rules apply without a restart, and a held
// message is approved from the command line.
func TestAdminWordsAndReviews(t *testing.T) {
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
	if out := ok("", "words", "add", "--action", "block", "spam", "加微信"); out != "2 words added (action block, scope all)\n" {
		t.Errorf("words add: %q", out)
	}
	file := filepath.Join(t.TempDir(), "review.txt")
	lines := "\uFEFF退款\n\n  refund  \n"
	for i := range 1200 { // more than one request's worth
		lines += "review-word-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + "\n"
	}
	if err := os.WriteFile(file, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	out := ok("", "words", "import", "--action", "review", "--scope", "customer", file)
	if !strings.HasSuffix(out, "words imported (action review, scope customer)\n") || strings.HasPrefix(out, "0 ") {
		t.Errorf("words import: %q", out)
	}
	ok("mask-me\n", "words", "import", "--action", "mask", "-")
	if out := ok("", "words", "remove", "spam", "nothing"); out != "1 words removed\n" {
		t.Errorf("words remove: %q", out)
	}
	list := ok("", "words", "list")
	for _, want := range []string{"WORD", "加微信", "block", "退款", "review", "customer", "refund", "mask-me", "mask"} {
		if !strings.Contains(list, want) {
			t.Errorf("words list lacks %q", want)
		}
	}
	if strings.Contains(list, "spam") {
		t.Errorf("words list still has the removed word")
	}

	alice, bob := clientOf(t, p.Addr, "alice"), clientOf(t, p.Addr, "bob")
	alice.Sub(bob.User)
	bob.Sub(alice.User)
	if ctrl := alice.Pub(bob.User, "加 微 信", ""); ctrl.Code() != 422 {
		t.Errorf("blocked: %v", ctrl)
	}
	if ctrl := alice.Pub(bob.User, "I want a REFUND", "r1"); ctrl.Get("params.policy") != "review" {
		t.Fatalf("held: %v", ctrl)
	}
	held := ok("", "review", "list", "--state", "pending")
	rows := strings.Split(strings.TrimSpace(held), "\n")
	if len(rows) != 2 || !strings.Contains(rows[1], "r1") || !strings.Contains(rows[1], "refund") {
		t.Fatalf("review list:\n%s", held)
	}
	id := strings.Fields(rows[1])[0]
	if out := ok("", "review", "approve", id); !strings.Contains(out, id+" approved: delivered to p2p") {
		t.Errorf("review approve: %q", out)
	}
	got := bob.Until("the approved message", func(m servertest.Msg) bool { return m.Get("data.content") != nil })
	if got.Get("data.content") != "I want a REFUND" {
		t.Errorf("bob got %v", got)
	}
	for _, f := range []struct {
		code int
		want string
		args []string
	}{
		{1, "decided already", []string{"review", "approve", id}},
		{1, "no such held message", []string{"review", "reject", "nope"}},
		{1, "action", []string{"words", "add", "--action", "delete", "x"}},
		{2, "needs --action", []string{"words", "add", "x"}},
		{2, "needs --action", []string{"words", "import", file}},
		{2, "no such file", []string{"words", "import", "--action", "block", "/nonexistent/words.txt"}},
	} {
		code, _, errOut := parleyEnv(t, env, "", append([]string{"admin"}, f.args...)...)
		if code != f.code || !strings.Contains(errOut, f.want) {
			t.Errorf("parley admin %s: exit %d, stderr %q; want exit %d and %q",
				strings.Join(f.args, " "), code, errOut, f.code, f.want)
		}
	}
}

// clientOf signs a user up on a fresh connection to addr.
func clientOf(t *testing.T, addr, login string) *servertest.Client {
	t.Helper()
	c, err := servertest.DialAddr(t, addr, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Hi()
	if ctrl := c.Signup(login, "pass123"); ctrl.Code() != 200 {
		t.Fatalf("signup %s: %v", login, ctrl)
	}
	return c
}

package security

import (
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// startServer runs `parley serve` as a child process with a fresh data
// directory; env adds PARLEY_* settings for the attack at hand.
func startServer(t *testing.T, env ...string) *servertest.Process {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a server process: skipped in -short mode")
	}
	return servertest.StartProcess(t, t.TempDir(), env...)
}

// dial opens a raw WebSocket client to p, failing the test if it cannot.
func dial(t *testing.T, p *servertest.Process) *servertest.Client {
	t.Helper()
	c, err := servertest.DialAddr(t, p.Addr, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

// user signs a fresh basic account up on its own connection.
func user(t *testing.T, p *servertest.Process, login string) *servertest.Client {
	t.Helper()
	c := dial(t, p)
	c.Hi()
	if ctrl := c.Signup(login, "pass123"); ctrl.Code() != 200 {
		t.Fatalf("signup %s: %v", login, ctrl)
	}
	return c
}

// msg is a decoded server frame.
type msg = servertest.Msg

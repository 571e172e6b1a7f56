package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// serveProcess runs `parley serve` over dir with extra args as a child
// process and returns its address; it is stopped with SIGTERM, as an
// operator would, when stop is called or the test ends.
func serveProcess(t *testing.T, dir string, args ...string) (addr string, stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dir}, args...)...)
	cmd.Env = append(os.Environ(), "PARLEY_TEST_RUN_MAIN=1", "PARLEY_PASSWORD_COST=4")
	out := &servertest.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
	}
	t.Cleanup(stop)
	return servertest.WaitServing(t, out, done), stop
}

// epochOf logs in with token over addr and returns the desc epoch of topic.
func epochOf(t *testing.T, addr, token, topic string) any {
	t.Helper()
	c, err := servertest.DialAddr(t, addr, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Hi()
	if ctrl := c.LoginToken(token); ctrl.Code() != 200 {
		t.Fatalf("login: %v", ctrl)
	}
	id := c.ID()
	c.Send(servertest.Msg{"sub": servertest.Msg{"id": id, "topic": topic, "get": servertest.Msg{"what": "desc"}}})
	return c.Until("desc", func(m servertest.Msg) bool { return m.Get("meta.id") == id }).Get("meta.desc.epoch")
}

// anonUser signs up an anonymous user on c that other anonymous users may
// talk to.
func anonUser(t *testing.T, c *servertest.Client) {
	t.Helper()
	c.Hi()
	id := c.ID()
	ctrl := c.Request(id, servertest.Msg{"acc": servertest.Msg{"id": id, "user": "new", "scheme": "anonymous", "login": true,
		"desc": servertest.Msg{"defacs": servertest.Msg{"anon": "JRWPASD"}}}})
	if ctrl.Code() != 200 {
		t.Fatalf("signup: %v", ctrl)
	}
	c.User, _ = ctrl.Get("params.user").(string)
	c.Token, _ = ctrl.Get("params.token").(string)
}

// `parley serve --new-epochs` gives topics new epochs for that start only.
func TestServeNewEpochs(t *testing.T) {
	dir := t.TempDir()
	addr, stop := serveProcess(t, dir)
	a, err := servertest.DialAddr(t, addr, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := servertest.DialAddr(t, addr, "")
	if err != nil {
		t.Fatal(err)
	}
	anonUser(t, a)
	anonUser(t, b)
	if ctrl := a.Sub(b.User); ctrl.Code() != 200 {
		t.Fatalf("sub: %v", ctrl)
	}
	before := epochOf(t, addr, a.Token, b.User)
	stop()

	addr, stop = serveProcess(t, dir, "--new-epochs")
	renewed := epochOf(t, addr, a.Token, b.User)
	if renewed == nil || renewed == before {
		t.Fatalf("epoch after --new-epochs %v, want a new one (was %v)", renewed, before)
	}
	stop()

	addr, _ = serveProcess(t, dir)
	if again := epochOf(t, addr, a.Token, b.User); again != renewed {
		t.Fatalf("epoch after a plain restart %v, want %v kept", again, renewed)
	}
}

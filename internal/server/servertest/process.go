package servertest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/auth"
)

// buildOnce builds the parley binary once per test process.
var buildOnce struct {
	sync.Once
	path string
	err  error
	out  []byte
}

// Binary builds cmd/parley (once per test binary) and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildOnce.err = err
			return
		}
		dir, err := os.MkdirTemp("", "parley-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "parley")
		cmd := exec.Command("go", "build", "-race", "-o", buildOnce.path, "./cmd/parley")
		if os.Getenv("PARLEY_TEST_NORACE") != "" {
			cmd = exec.Command("go", "build", "-o", buildOnce.path, "./cmd/parley")
		}
		cmd.Dir = root
		buildOnce.out, buildOnce.err = cmd.CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("building parley: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.path
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// Process is a parley server running as a separate OS process.
type Process struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
	log  *Output
	done chan struct{}
}

// StartProcess runs `parley serve` over dir on a port the kernel picks and
// waits until it listens. It is killed when the test ends.
func StartProcess(t testing.TB, dir string, env ...string) *Process {
	t.Helper()
	p := &Process{Dir: dir, log: &Output{}, done: make(chan struct{})}
	p.cmd = exec.Command(Binary(t), "serve", "--listen", "127.0.0.1:0", "--data", dir)
	// The cheapest bcrypt cost, as in Start: tests sign many users up, and a
	// race-detector build on a busy machine can take seconds per default-cost
	// hash. env comes after, so a test can still choose.
	p.cmd.Env = append(append(os.Environ(), fmt.Sprintf("PARLEY_PASSWORD_COST=%d", auth.MinPasswordCost),
		"PARLEY_SIGNUP_BURST=1048576"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start parley: %v", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("server log:\n%s", p.log.String())
		}
	})
	p.waitReady(t)
	return p
}

func (p *Process) waitReady(t testing.TB) {
	t.Helper()
	p.Addr = WaitServing(t, p.log, p.done)
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Terminate asks the process to stop with SIGTERM and waits for it.
func (p *Process) Terminate() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
}

// ExitCode is the process's exit code after it ended.
func (p *Process) ExitCode() int { return p.cmd.ProcessState.ExitCode() }

// Log is what the process printed.
func (p *Process) Log() string { return p.log.String() }

// Output collects a child process's output. The child writes from exec's
// copying goroutine while the test reads, hence the lock.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// servingLine is how `parley serve` announces the address it listens on.
const servingLine = `msg="parley serving" addr=`

// WaitServing waits until the `parley serve` writing to out announces its
// address, and returns it. The server is started on port 0 and reports the
// port it got: choosing a free port first and passing it on would leave a
// window in which a test running in parallel can take it, and the test would
// then talk to the wrong server.
func WaitServing(t testing.TB, out *Output, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		log := out.String()
		if i := strings.Index(log, servingLine); i >= 0 {
			return strings.Fields(log[i+len(servingLine):])[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley did not start listening:\n%s", log)
		}
		select {
		case <-exited:
			t.Fatalf("parley exited during start:\n%s", out.String())
		case <-tick.C:
		}
	}
}

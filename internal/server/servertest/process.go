package servertest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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
	log  *bytes.Buffer
	done chan struct{}
}

// StartProcess runs `parley serve` over dir on a free port and waits until
// it accepts connections. It is killed when the test ends.
func StartProcess(t testing.TB, dir string, env ...string) *Process {
	t.Helper()
	addr := freeAddr(t)
	p := &Process{Addr: addr, Dir: dir, log: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(Binary(t), "serve", "--listen", addr, "--data", dir)
	p.cmd.Env = append(os.Environ(), env...)
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
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("parley exited during start:\n%s", p.log.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a port that is not open yet
	}
	t.Fatalf("parley did not start listening on %s", p.Addr)
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

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

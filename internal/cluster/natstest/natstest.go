// Package natstest runs a NATS server of a test's own, as a child process on
// a free port, so a test can stop and restart it without touching a shared
// one.
package natstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Binary is where Debian's nats-server package puts the server.
const Binary = "/usr/sbin/nats-server"

// Server is a private nats-server process.
type Server struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs a server on a free loopback port and waits until it accepts
// connections; it is stopped when the test ends. Without the binary the
// test is skipped (failed under CI, which must have it).
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("natstest: %s is missing; CI must have it", Binary)
		}
		t.Skipf("natstest: skipped: %s is not installed", Binary)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, port: ln.Addr().(*net.TCPAddr).Port}
	ln.Close()
	t.Cleanup(s.Stop)
	s.start()
	return s
}

// URL is the server's nats:// address; it stays the same across restarts.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.port) }

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command(Binary, "-a", "127.0.0.1", "-p", fmt.Sprint(s.port))
	s.done = make(chan struct{})
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("natstest: start: %v", err)
	}
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("natstest: nats-server exited at start")
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("natstest: nats-server not listening after 10s: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling for the port, with a deadline
	}
}

// Stop kills the server (SIGKILL: connections drop as in a crash).
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// Restart kills the server and starts it again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Private is a PostgreSQL server of the test's own, in a temporary
// directory on a free port, for tests that stop or restart the database:
// the shared server must never be restarted under other tests.
type Private struct {
	t    testing.TB
	bin  string // directory of initdb and pg_ctl
	dir  string // data directory
	port int
	as   []string // runuser prefix: PostgreSQL refuses to run as root
}

// StartPrivate initialises and starts a private server. It skips (fails
// under CI) when PostgreSQL's server programs are not installed.
func StartPrivate(t testing.TB) *Private {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		missing(t, "PostgreSQL's server programs (/usr/lib/postgresql/*/bin/initdb) are not installed")
	}
	p := &Private{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			missing(t, "running as root and there is no postgres user to run the server as")
		}
		p.as = []string{"runuser", "-u", "postgres", "--"}
	}
	root, err := os.MkdirTemp("", "parley-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	p.dir = filepath.Join(root, "data")
	if p.as != nil {
		// The server's user must own its directories.
		if out, err := exec.Command("chown", "postgres", root).CombinedOutput(); err != nil {
			t.Fatalf("pgtest: chown: %v: %s", err, out)
		}
	}
	p.port = freePort(t)
	p.run("initdb", "-D", p.dir, "-U", "postgres", "-A", "trust", "--no-sync")
	t.Cleanup(func() {
		p.Thaw() // a frozen server would not stop
		p.ctl("stop", "-m", "immediate")
	})
	p.Start()
	return p
}

// URL is the server's postgres database.
func (p *Private) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Start starts the server and waits until it accepts connections.
func (p *Private) Start() {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on", p.port, filepath.Dir(p.dir))
	p.ctl("start", "-w", "-l", filepath.Join(filepath.Dir(p.dir), "log"), "-o", opts)
}

// Crash stops the server the way a power cut would: no shutdown
// checkpoint, connections dropped.
func (p *Private) Crash() { p.ctl("stop", "-m", "immediate") }

func (p *Private) ctl(args ...string) {
	p.t.Helper()
	p.run("pg_ctl", append([]string{"-D", p.dir, "-s"}, args...)...)
}

func (p *Private) run(prog string, args ...string) {
	p.t.Helper()
	argv := append(append(append([]string{}, p.as...), filepath.Join(p.bin, prog)), args...)
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		p.t.Fatalf("pgtest: %s: %v: %s", prog, err, out)
	}
}

// missing skips the test, or fails it under CI.
func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("pgtest: %s; CI must have it", why)
	}
	t.Skipf("pgtest: skipped: %s", why)
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Freeze stops every process of the server (SIGSTOP) without closing a
// connection: to its clients the database stops answering, as in a network
// partition. Thaw lets it go on.
func (p *Private) Freeze() { p.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (p *Private) Thaw() { p.signal(syscall.SIGCONT) }

// signal sends sig to the postmaster and all its children.
func (p *Private) signal(sig syscall.Signal) {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, "postmaster.pid"))
	if err != nil {
		p.t.Fatalf("pgtest: %v", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	main, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		p.t.Fatalf("pgtest: postmaster.pid: %v", err)
	}
	pids := []int{main}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so cut at the last ')'.
		i := strings.LastIndexByte(string(b), ')')
		if f := strings.Fields(string(b[i+1:])); len(f) > 1 && f[1] == strconv.Itoa(main) {
			if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(st))); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	for _, pid := range pids {
		syscall.Kill(pid, sig)
	}
}

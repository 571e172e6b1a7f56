package grpc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// python finds an interpreter that has grpcio and grpc_tools: Debian's
// first, since Debian's modules need Debian's interpreter and another
// python3 may come first on PATH. Without one the test is skipped, except
// under CI, where .ci/run installs them and their absence is a failure.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import grpc, grpc_tools.protoc").Run() == nil {
			return p
		}
	}
	msg := "python3 with grpcio and grpc_tools not found (Debian: apt-get install python3-grpcio python3-grpc-tools)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// repoRoot is the module root, where proto/parley.proto lives.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// generate writes the Python stubs of proto/parley.proto into a new directory.
func generate(t *testing.T, py string) string {
	t.Helper()
	out := t.TempDir()
	protoDir := filepath.Join(repoRoot(t), "proto")
	cmd := exec.Command(py, "-m", "grpc_tools.protoc", "-I", protoDir, "--python_out="+out,
		"--grpc_python_out="+out, filepath.Join(protoDir, "parley.proto"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate python stubs: %v\n%s", err, b)
	}
	return out
}

// TestPythonGRPCClientChatsWithJSONClient: the generated Python client and a
// JSON WebSocket client talk in one conversation; each sees all 2N messages
// exactly once and in order, the Python client's first.
func TestPythonGRPCClientChatsWithJSONClient(t *testing.T) {
	py := python(t)
	stubs := generate(t, py)
	p := servertest.StartProcess(t, t.TempDir(), "PARLEY_GRPC_LISTEN=127.0.0.1:0")
	addr := p.GRPCAddr(t)

	alice, err := servertest.DialAddr(t, p.Addr, "")
	if err != nil {
		t.Fatal(err)
	}
	alice.Hi()
	if c := alice.Signup("alice", "pass123"); c.Code() != 200 {
		t.Fatalf("signup: %v", c)
	}

	const n = 5
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join(repoRoot(t), "test", "grpc", "chat_client.py"),
		addr, alice.User, fmt.Sprint(n))
	cmd.Env = append(os.Environ(), "PYTHONPATH="+stubs)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "READY ") {
		cmd.Wait()
		t.Fatalf("python client did not get ready: %q\n%s", lines.Text(), stderr.String())
	}
	bob := strings.TrimPrefix(lines.Text(), "READY ")
	if c := alice.Sub(bob); c.Code() != 200 {
		t.Fatalf("alice sub: %v", c)
	}

	// Alice reads the Python client's n messages, then answers with n.
	var got []string
	for len(got) < n {
		m := alice.Until("data", func(m servertest.Msg) bool { return m.Get("data") != nil })
		got = append(got, fmt.Sprintf("%d %v", m.Int("data.seq"), m.Get("data.content")))
	}
	for i := 1; i <= n; i++ {
		alice.Send(servertest.Msg{"pub": servertest.Msg{"id": fmt.Sprint("a", i), "topic": bob,
			"head": servertest.Msg{"msgid": fmt.Sprint("a-", i)}, "content": fmt.Sprint("alice ", i)}})
	}
	for len(got) < 2*n {
		if m := alice.Read(); m.Get("data") != nil {
			got = append(got, fmt.Sprintf("%d %v", m.Int("data.seq"), m.Get("data.content")))
		}
	}

	if !lines.Scan() {
		cmd.Wait()
		t.Fatalf("python client printed no result:\n%s", stderr.String())
	}
	var pyGot [][2]any
	if err := json.Unmarshal(lines.Bytes(), &pyGot); err != nil {
		t.Fatalf("python result %q: %v", lines.Text(), err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python client: %v\n%s", err, stderr.String())
	}

	var want []string
	for seq := 1; seq <= 2*n; seq++ {
		who := []string{"py", "alice"}[(seq-1)/n]
		want = append(want, fmt.Sprintf("%d %s %d", seq, who, (seq-1)%n+1))
	}
	var pyStr []string
	for _, d := range pyGot {
		pyStr = append(pyStr, fmt.Sprintf("%v %v", d[0], d[1]))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("JSON client got\n%v\nwant\n%v", got, want)
	}
	if strings.Join(pyStr, "|") != strings.Join(want, "|") {
		t.Errorf("gRPC client got\n%v\nwant\n%v", pyStr, want)
	}
}

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
	"sort"
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

// quiet is how long the Python client listens, after the conversation, for
// copies of what it was given: many retransmission timeouts of the server
// started below (PARLEY_RETRANSMIT_AFTER), so a session that retransmitted
// to a client that never acknowledges would be caught.
const quiet = 1500 * time.Millisecond

// TestPythonGRPCClientChatsWithJSONClient: the generated Python client,
// speaking as tn-cli does (chat_client.py lists how), and a JSON WebSocket
// client talk in one conversation. The JSON client sees all 2N messages
// exactly once and in order, the Python client's first; the Python client,
// which publishes with no_echo, sees the JSON client's N live, exactly once
// and in order, no copy of any while it never acknowledges, and the whole
// conversation when it reads the history.
func TestPythonGRPCClientChatsWithJSONClient(t *testing.T) {
	py := python(t)
	stubs := generate(t, py)
	p := servertest.StartProcess(t, t.TempDir(), "PARLEY_GRPC_LISTEN=127.0.0.1:0",
		"PARLEY_RETRANSMIT_AFTER=100ms", "PARLEY_RETRANSMIT_MIN=50ms")
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
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join(repoRoot(t), "test", "grpc", "chat_client.py"),
		addr, alice.User, fmt.Sprint(n), fmt.Sprint(quiet.Seconds()))
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

	// Alice reads the Python client's n messages, then answers with n. She
	// acknowledges each and drops copies by seq, as a careful JSON client
	// does: the short retransmission timeout this server runs with resends
	// to her what she has not acknowledged yet.
	var got []string
	seen := map[int]bool{}
	take := func(m servertest.Msg) {
		if m.Get("data") == nil || seen[m.Int("data.seq")] {
			return
		}
		seq := m.Int("data.seq")
		seen[seq] = true
		alice.Send(servertest.Msg{"note": servertest.Msg{"topic": bob, "what": "recv", "seq": seq}})
		got = append(got, fmt.Sprintf("%d %v", seq, m.Get("data.content")))
	}
	for len(got) < n {
		take(alice.Until("data", func(m servertest.Msg) bool { return m.Get("data") != nil }))
	}
	for i := 1; i <= n; i++ {
		alice.Send(servertest.Msg{"pub": servertest.Msg{"id": fmt.Sprint("a", i), "topic": bob,
			"head": servertest.Msg{"msgid": fmt.Sprint("a-", i)}, "content": fmt.Sprint("alice ", i)}})
	}
	for len(got) < 2*n {
		take(alice.Read())
	}

	if !lines.Scan() {
		cmd.Wait()
		t.Fatalf("python client printed no result:\n%s", stderr.String())
	}
	var pyGot struct {
		Live, History [][2]any
		Extra         int
	}
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
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("JSON client got\n%v\nwant\n%v", got, want)
	}
	if live := pairs(pyGot.Live); strings.Join(live, "|") != strings.Join(want[n:], "|") {
		t.Errorf("gRPC client got live\n%v\nwant alice's\n%v", live, want[n:])
	}
	if pyGot.Extra != 0 {
		t.Errorf("gRPC client, which never acknowledges, got %d copies of delivered messages", pyGot.Extra)
	}
	history := pairs(pyGot.History)
	sort.Slice(history, func(i, j int) bool { return seqOf(history[i]) < seqOf(history[j]) })
	if strings.Join(history, "|") != strings.Join(want, "|") {
		t.Errorf("gRPC client's get data got\n%v\nwant\n%v", history, want)
	}
}

// pairs formats [seq, content] pairs as "seq content".
func pairs(in [][2]any) []string {
	out := make([]string, 0, len(in))
	for _, d := range in {
		out = append(out, fmt.Sprintf("%v %v", d[0], d[1]))
	}
	return out
}

// seqOf reads the seq back from a pair formatted by pairs.
func seqOf(s string) int {
	var seq int
	fmt.Sscan(s, &seq)
	return seq
}

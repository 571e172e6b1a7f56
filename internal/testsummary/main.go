// Command testsummary runs `go test -json` (or reads its output from
// stdin) and prints what a person and CI need from `make test`: the
// packages as they finish, the output of each failing test in full, and at
// the end one line
//
//	make test: N passed, N failed, N skipped
//
// alone on its line (CI reads it), followed by whether each suite that
// drives something outside Go (tinode-sdk under Node, the web app in
// Chromium) ran or was skipped and why. It exits 1 when anything
// failed, including the go command itself. It is a development tool for
// this repository, which is why it lives under internal/ and not cmd/.
//
// Usage:
//
//	go run ./internal/testsummary go test -race -count=1 -json ./...
//	go test -json ./... | go run ./internal/testsummary
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run summarises the output of the command in args, or of stdin when args
// is empty, and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := newSummary(stdout)
	if len(args) == 0 {
		s.read(stdin)
		return s.finish(nil)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 1
	}
	s.read(out)
	return s.finish(cmd.Wait())
}

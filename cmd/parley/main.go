// Command parley is the Parley IM gateway. It only parses the command line
// and hands over to package server (serve), loadtest (bench) or admin
// (trace, admin).
//
// Conventions: `--help` (or -h) on any command prints its usage to stdout
// and exits 0; a usage error prints to stderr and exits 2; a command that
// ran and failed exits 1.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/lightload"
	"github.com/parley-im/parley/internal/loadtest"
	"github.com/parley-im/parley/internal/server"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: parley <command> [flags]

commands:
  serve     run the gateway (parley serve --help lists every setting)
  bench     measure a Tinode-protocol server under load (parley bench --help)
  trace     show where a message went (parley trace --help)
  admin     manage customer-service staff and teams (parley admin --help)
  version   print the version
  help      print this help; parley help <command> prints the command's
`

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		tuneRuntime(os.Stderr)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneRuntime makes the Go runtime cheap for a lightly loaded server (see
// package lightload). It runs before anything is opened, because the
// process may replace itself.
func tuneRuntime(stderr io.Writer) {
	if err := lightload.KeepMonitorAwake(); err != nil {
		fmt.Fprintf(stderr, "parley: the runtime's monitor keeps its default sleep: %v\n", err)
	}
	if lightload.Adapts() {
		go lightload.NewProcessors().Run(context.Background())
	}
}

// run dispatches to the command named by args[0] and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "help":
		if len(rest) > 0 && rest[0] != "help" {
			return run([]string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	case "serve":
		return serve(rest, stdout, stderr)
	case "bench":
		return loadtest.Main(rest, stdout, stderr)
	case "trace":
		return admin.TraceCommand(rest, os.Getenv, stdout, stderr)
	case "admin":
		return admin.AdminCommand(rest, os.Getenv, os.Stdin, stdout, stderr)
	case "version", "--version", "-v":
		return printVersion(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

const versionUsage = `usage: parley version

Prints Parley's version and the Tinode protocol version it speaks.
`

func printVersion(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprintln(stdout, "parley", version, "protocol", server.ProtocolVersion)
		return 0
	case isHelp(args[0]):
		fmt.Fprint(stdout, versionUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "parley version: unexpected argument %q\n%s", args[0], versionUsage)
		return 2
	}
}

// isHelp reports whether arg asks for help, as the flag package
// understands it.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

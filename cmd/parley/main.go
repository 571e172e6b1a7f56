// Command parley is the Parley IM gateway. It only parses the command line
// and hands over to package server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-im/parley/internal/admin"
	"github.com/parley-im/parley/internal/loadtest"
	"github.com/parley-im/parley/internal/server"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: parley <command> [flags]

commands:
  serve     run the gateway (parley serve --help for flags)
  bench     measure a Tinode-protocol server under load (parley bench --help)
  trace     show where a message went (parley trace --help)
  version   print the version
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "parley:", err)
			os.Exit(1)
		}
	case "bench":
		os.Exit(loadtest.Main(os.Args[2:], os.Stdout, os.Stderr))
	case "trace":
		os.Exit(admin.TraceCommand(os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	case "version", "--version", "-v":
		fmt.Println("parley", version, "protocol", server.ProtocolVersion)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
}

func serve(args []string) error {
	cfg := server.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON config file")
	listen := fs.String("listen", "", "address to listen on (default "+cfg.Listen+")")
	data := fs.String("data", "", "data directory (default ./"+cfg.DataDir+")")
	newEpochs := fs.Bool("new-epochs", false, "give every topic a new epoch before serving (after restoring a backup)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *configPath != "" {
		if err := cfg.LoadFile(*configPath); err != nil {
			return err
		}
	}
	if err := cfg.LoadEnv(os.Getenv); err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if *data != "" {
		cfg.DataDir = *data
	}
	cfg.NewEpochs = *newEpochs
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := server.New(cfg, version, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return srv.ListenAndServe(ctx)
}

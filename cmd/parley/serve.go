package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-im/parley/internal/server"
)

const serveUsage = `usage: parley serve [--config FILE] [--new-epochs] [--SETTING VALUE ...]

Runs the gateway until SIGTERM or Ctrl-C. Each setting below is taken from,
in increasing precedence: its default, the JSON file given by --config, its
PARLEY_* environment variable, its flag. docs/operations.md explains them.

  --config FILE
      JSON config file with the keys below; an unknown key is an error
  --new-epochs
      give every topic a new epoch before serving: once, after restoring a
      backup (a flag only, never a setting, so it cannot stay on)

settings:
`

// serve runs `parley serve`: 0 after a clean shutdown, 1 if the server
// could not start or failed, 2 for a bad command line.
func serve(args []string, stdout, stderr io.Writer) int {
	cfg := server.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var parseErr bytes.Buffer
	fs.SetOutput(&parseErr)
	fs.Usage = func() {} // --help prints the full usage below; errors only a hint
	configPath := fs.String("config", "", "")
	newEpochs := fs.Bool("new-epochs", false, "")
	apply := settingFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, serveUsage)
			defaults := server.Defaults()
			defaults.WriteSettingsHelp(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "%sparley serve --help lists the flags\n", parseErr.String())
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parley serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := configure(&cfg, *configPath, apply); err != nil {
		fmt.Fprintln(stderr, "parley:", err)
		return 1
	}
	cfg.NewEpochs = *newEpochs
	if err := start(cfg, stderr); err != nil {
		fmt.Fprintln(stderr, "parley:", err)
		return 1
	}
	return 0
}

// settingFlags defines one flag per setting. A flag's value is checked when
// it is parsed (against a scratch config) but applied only by the returned
// function, after the file and the environment, since flags win over both.
func settingFlags(fs *flag.FlagSet, cfg *server.Config) (apply func()) {
	var given []func()
	scratch := server.Defaults()
	check := scratch.Settings()
	for i, s := range cfg.Settings() {
		fs.Func(s.Flag, s.Help, func(v string) error {
			if err := check[i].Value.Set(v); err != nil {
				return err
			}
			given = append(given, func() { s.Value.Set(v) })
			return nil
		})
	}
	return func() {
		for _, set := range given {
			set()
		}
	}
}

// configure layers the config file, the environment and the flags over
// the defaults in cfg.
func configure(cfg *server.Config, configPath string, applyFlags func()) error {
	if configPath != "" {
		if err := cfg.LoadFile(configPath); err != nil {
			return err
		}
	}
	if err := cfg.LoadEnv(os.Getenv); err != nil {
		return err
	}
	applyFlags()
	return nil
}

// start starts the server with cfg and serves until a signal.
func start(cfg server.Config, stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := server.New(cfg, version, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return srv.ListenAndServe(ctx)
}

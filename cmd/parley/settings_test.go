package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

// serve --help lists every setting with its flag, variable, JSON key and
// default, from the same table the flags and variables are read with.
func TestServeHelpListsEverySetting(t *testing.T) {
	code, out, _ := parley(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: exit %d", code)
	}
	defaults := server.Defaults()
	for _, s := range defaults.Settings() {
		def := s.Value.String()
		if def == "" {
			def = "empty"
		}
		line := s.Env + `; JSON "` + s.Key + `"; default ` + def
		if !strings.Contains(out, "  --"+s.Flag+" "+s.Arg+"\n      "+line+"\n      "+s.Help+"\n") {
			t.Errorf("serve --help does not list %s as flag, %q, and meaning; output:\n%s", s.Key, line, out)
		}
	}
}

// The settings table of docs/operations.md names every setting, so the
// page cannot fall behind the code.
func TestOperationsDocListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Defaults()
	for _, s := range cfg.Settings() {
		for _, name := range []string{"`" + s.Key + "`", "`" + s.Env + "`", "`--" + s.Flag + "`"} {
			if !strings.Contains(string(doc), name) {
				t.Errorf("docs/operations.md does not mention %s (setting %s)", name, s.Key)
			}
		}
	}
}

// Flags win over PARLEY_* variables, which win over the config file.
func TestServeSettingsPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.json")
	file := `{"max_subscribers": 3, "rate_burst": 4, "trace_capacity": 6, "group_commit": 7}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PARLEY_MAX_SUBSCRIBERS", "5")
	t.Setenv("PARLEY_RATE_BURST", "8")
	cfg := server.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	apply := settingFlags(fs, &cfg)
	if err := fs.Parse([]string{"--max-subscribers", "9", "--trace-capacity", "10"}); err != nil {
		t.Fatal(err)
	}
	if err := configure(&cfg, path, apply); err != nil {
		t.Fatal(err)
	}
	got := [4]int{cfg.MaxSubscribers, cfg.RateBurst, cfg.TraceCapacity, cfg.GroupCommit}
	if want := [4]int{9, 8, 10, 7}; got != want {
		t.Fatalf("max_subscribers, rate_burst, trace_capacity, group_commit = %v, want %v", got, want)
	}
}

package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

func TestTraceAndAdminConfig(t *testing.T) {
	cfg := server.Defaults()
	if cfg.TraceCapacity != 100000 || cfg.AdminToken != "" {
		t.Fatalf("defaults: trace_capacity %d, admin_token %q", cfg.TraceCapacity, cfg.AdminToken)
	}

	path := filepath.Join(t.TempDir(), "parley.json")
	if err := os.WriteFile(path, []byte(`{"trace_capacity": 500, "admin_token": "from-file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cfg.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if cfg.TraceCapacity != 500 || cfg.AdminToken != "from-file" {
		t.Fatalf("file: trace_capacity %d, admin_token %q", cfg.TraceCapacity, cfg.AdminToken)
	}

	env := map[string]string{"PARLEY_TRACE_CAPACITY": "2000", "PARLEY_ADMIN_TOKEN": "from-env"}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.TraceCapacity != 2000 || cfg.AdminToken != "from-env" {
		t.Fatalf("env: trace_capacity %d, admin_token %q", cfg.TraceCapacity, cfg.AdminToken)
	}

	env["PARLEY_TRACE_CAPACITY"] = "lots"
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err == nil ||
		!strings.Contains(err.Error(), "PARLEY_TRACE_CAPACITY") {
		t.Fatalf("bad PARLEY_TRACE_CAPACITY: %v", err)
	}

	cfg = server.Defaults()
	cfg.TraceCapacity = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "trace_capacity") {
		t.Fatalf("trace_capacity 0 validated: %v", err)
	}
}

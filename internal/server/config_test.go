package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// retransmit_min comes from the file and PARLEY_RETRANSMIT_MIN, and must be
// positive.
func TestRetransmitMinConfig(t *testing.T) {
	cfg := server.Defaults()
	if time.Duration(cfg.RetransmitMin) != 200*time.Millisecond {
		t.Fatalf("default retransmit_min %v", time.Duration(cfg.RetransmitMin))
	}
	path := filepath.Join(t.TempDir(), "parley.json")
	if err := os.WriteFile(path, []byte(`{"retransmit_min": "50ms"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cfg.LoadFile(path); err != nil || time.Duration(cfg.RetransmitMin) != 50*time.Millisecond {
		t.Fatalf("file: retransmit_min %v, %v", time.Duration(cfg.RetransmitMin), err)
	}
	env := map[string]string{"PARLEY_RETRANSMIT_MIN": "1s"}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil ||
		time.Duration(cfg.RetransmitMin) != time.Second {
		t.Fatalf("env: retransmit_min %v, %v", time.Duration(cfg.RetransmitMin), err)
	}
	cfg.RetransmitMin = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "retransmit_min") {
		t.Fatalf("retransmit_min 0 validated: %v", err)
	}
}

package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

func TestReadLimitsConfig(t *testing.T) {
	cfg := server.Defaults()
	if cfg.ReadsPerSession != 2 || cfg.MaxReads != 4 || cfg.ReadQueue != 64 {
		t.Fatalf("defaults: %d per session, %d in all, queue %d", cfg.ReadsPerSession, cfg.MaxReads, cfg.ReadQueue)
	}
	path := filepath.Join(t.TempDir(), "parley.json")
	if err := os.WriteFile(path, []byte(`{"reads_per_session": 3, "max_reads": 8, "read_queue": 10}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cfg.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PARLEY_READS_PER_SESSION": "1", "PARLEY_READ_QUEUE": "5"}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.ReadsPerSession != 1 || cfg.MaxReads != 8 || cfg.ReadQueue != 5 {
		t.Fatalf("file then env: %d per session, %d in all, queue %d", cfg.ReadsPerSession, cfg.MaxReads, cfg.ReadQueue)
	}
	cfg.MaxReads = 0
	if err := cfg.Validate(); err == nil {
		t.Fatal("max_reads 0 validated")
	}
}

package server_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/auth"
	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// At start the server says where a newcomer connects and where its data
// is, as an absolute path: "data" alone depends on where it was started.
func TestStartAnnouncesEndpointsAndDataDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := server.Defaults()
	cfg.PasswordCost = auth.MinPasswordCost
	var logs syncBuffer
	srv, err := server.New(cfg, "test", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	host := ln.Addr().String()
	want := []string{
		"data=" + filepath.Join(dir, "data"),
		"websocket=ws://" + host + "/v0/channels",
		"long_polling=http://" + host + "/v0/channels/lp",
		"metrics=http://" + host + "/metrics",
		"healthz=http://" + host + "/healthz",
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "healthz=") }, "the start to be announced")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("start log lacks %q:\n%s", w, logs.String())
		}
	}
}

// waitFor polls cond until it holds, failing after servertest's timeout.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(servertest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not waiting for an event
	}
}

package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

func TestTLSSettingsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*server.Config)
		want string
	}{
		{"cert without key", func(c *server.Config) { c.TLSCert = "c.pem" }, "together"},
		{"key without cert", func(c *server.Config) { c.TLSKey = "k.pem" }, "together"},
		{"files and ACME", func(c *server.Config) {
			c.TLSCert, c.TLSKey, c.ACMEHosts = "c.pem", "k.pem", []string{"chat.example.com"}
		}, "exclude"},
		{"email without hosts", func(c *server.Config) { c.ACMEEmail = "ops@example.com" }, "need acme_hosts"},
		{"challenge listener without hosts", func(c *server.Config) { c.ACMEHTTP = ":80" }, "need acme_hosts"},
		{"host with a port", func(c *server.Config) { c.ACMEHosts = []string{"chat.example.com:443"} }, "not a host name"},
		{"empty host", func(c *server.Config) { c.ACMEHosts = []string{"chat.example.com", ""} }, "not a host name"},
		{"IP address", func(c *server.Config) { c.ACMEHosts = []string{"192.0.2.1"} }, "not a host name"},
		{"negative HSTS", func(c *server.Config) { c.HSTSMaxAge = -1 }, "hsts_max_age"},
	} {
		cfg := server.Defaults()
		tc.set(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// A certificate that does not load stops the start, with the setting's name.
func TestTLSBadFilesRefuseToStart(t *testing.T) {
	dir := t.TempDir()
	cfg := server.Defaults()
	cfg.DataDir = dir
	cfg.TLSCert, cfg.TLSKey = filepath.Join(dir, "missing.pem"), filepath.Join(dir, "missing-key.pem")
	if _, err := server.New(cfg, "test", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "tls_cert") {
		t.Fatalf("New with missing certificate files: %v", err)
	}
}

// With tls_cert and tls_key, clients connect over wss:// and https://,
// answers carry HSTS, and HTTP/2 is not offered (WebSocket needs 1.1).
func TestServeTLSFromFiles(t *testing.T) {
	ca := servertest.NewCA(t)
	certPath, keyPath, serialNo := ca.WriteFiles(t, t.TempDir(), "127.0.0.1")
	srv := servertest.Start(t, func(c *server.Config) { c.TLSCert, c.TLSKey = certPath, keyPath })

	c, err := servertest.DialTLS(t, srv.Addr, ca.ClientConfig())
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	if code := c.Hi().Code(); code != 201 {
		t.Fatalf("hi over wss answered %d", code)
	}
	if got, err := servertest.ServedSerial(srv.Addr, ca.ClientConfig()); err != nil || got.Cmp(serialNo) != 0 {
		t.Fatalf("served certificate %v (%v), want serial %v", got, err, serialNo)
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig(), ForceAttemptHTTP2: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + srv.Addr + "/healthz")
	if err != nil {
		t.Fatalf("https /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Proto != "HTTP/1.1" {
		t.Fatalf("https /healthz: %d over %s, want 200 over HTTP/1.1", resp.StatusCode, resp.Proto)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "max-age=31536000" {
		t.Fatalf("Strict-Transport-Security %q, want max-age=31536000", hsts)
	}

	if _, err := servertest.DialAddr(t, srv.Addr, ""); err == nil {
		t.Fatal("a plain ws:// client connected to the TLS listener")
	}
}

// Plain HTTP sends no HSTS: it would be ignored, and it must never be sent
// by a server that cannot answer https.
func TestNoHSTSWithoutTLS(t *testing.T) {
	srv := servertest.Start(t)
	resp, err := http.Get("http://" + srv.Addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") != "" {
		t.Fatalf("plain /healthz: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
}

// The certificate files are looked at again at most every interval, a new
// pair is served from then on, and a pair that does not load leaves the
// previous certificate in place, logged once.
func TestCertFilesReload(t *testing.T) {
	ca := servertest.NewCA(t)
	dir := t.TempDir()
	certPath, keyPath, first := ca.WriteFiles(t, dir, "127.0.0.1")
	var clock fakeClock
	clock.set(time.Unix(1_000_000, 0))
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	get, err := server.NewCertFiles(certPath, keyPath, 2*time.Second, clock.now, log)
	if err != nil {
		t.Fatal(err)
	}
	served := func() *big.Int {
		t.Helper()
		cert, err := get(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return cert.Leaf.SerialNumber
	}
	touch := func(paths ...string) {
		for _, p := range paths {
			when := clock.get().Add(time.Second) // a clearly newer mtime, whatever the file system's resolution
			if err := os.Chtimes(p, when, when); err != nil {
				t.Fatal(err)
			}
		}
	}

	_, _, second := ca.WriteFiles(t, dir, "127.0.0.1")
	touch(certPath, keyPath)
	if got := served(); got.Cmp(first) != 0 {
		t.Fatalf("reloaded before the interval: serial %v, want %v", got, first)
	}
	clock.add(2 * time.Second)
	if got := served(); got.Cmp(second) != 0 {
		t.Fatalf("after the interval: serial %v, want the new %v", got, second)
	}

	// A key that does not match the certificate: the second pair stays.
	otherCert, _, _ := ca.Issue(t, "127.0.0.1")
	servertest.WriteFile(t, certPath, otherCert)
	clock.add(time.Minute)
	touch(certPath)
	for range 3 {
		clock.add(3 * time.Second)
		if got := served(); got.Cmp(second) != 0 {
			t.Fatalf("after a bad pair: serial %v, want the previous %v", got, second)
		}
	}
	if n := strings.Count(logs.String(), "do not load"); n != 1 {
		t.Fatalf("bad pair logged %d times, want once:\n%s", n, logs.String())
	}

	// Fixing the files is picked up again.
	_, _, third := ca.WriteFiles(t, dir, "127.0.0.1")
	clock.add(time.Minute)
	touch(certPath, keyPath)
	if got := served(); got.Cmp(third) != 0 {
		t.Fatalf("after fixing the files: serial %v, want %v", got, third)
	}
	if !strings.Contains(logs.String(), "TLS certificate reloaded") {
		t.Fatalf("no reload logged:\n%s", logs.String())
	}
}

// ACME, without a network: the cache is a private folder in the data
// directory, the manager's certificates are what the listener serves (here
// one placed in its cache, as a previous run would have left it), and names
// outside acme_hosts get no certificate.
func TestACMEWiring(t *testing.T) {
	const host = "chat.example.test"
	srv := servertest.Start(t, func(c *server.Config) { c.ACMEHosts, c.ACMEEmail = []string{host}, "ops@example.test" })
	cache := filepath.Join(srv.Dir, "acme")
	fi, err := os.Stat(cache)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("ACME cache %s: %v, %v; want a 0700 directory", cache, fi, err)
	}
	ca := servertest.NewCA(t)
	certPEM, keyPEM, serialNo := ca.Issue(t, host)
	// autocert's cache format: the key, then the chain, under the host name.
	servertest.WriteFile(t, filepath.Join(cache, host), append(keyPEM, certPEM...))

	cfg := ca.ClientConfig()
	cfg.ServerName = host
	if got, err := servertest.ServedSerial(srv.Addr, cfg); err != nil || got.Cmp(serialNo) != 0 {
		t.Fatalf("served for %s: %v (%v), want the cached serial %v", host, got, err, serialNo)
	}
	other := ca.ClientConfig()
	other.ServerName = "elsewhere.example.test"
	if _, err := servertest.ServedSerial(srv.Addr, other); err == nil {
		t.Fatal("a certificate was served for a name outside acme_hosts")
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { return c.get() }
func (c *fakeClock) get() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
func (c *fakeClock) add(d time.Duration) { c.set(c.get().Add(d)) }

// syncBuffer is a log destination the test reads while the code writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// acme_http starts a plain-HTTP listener that answers ACME HTTP-01
// challenges for acme_hosts only and sends everything else to https.
func TestACMEHTTPChallengeListener(t *testing.T) {
	cfg := server.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.ACMEHosts, cfg.ACMEHTTP = []string{"chat.example.test"}, "127.0.0.1:0"
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
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	const line = `msg="ACME HTTP-01 challenges served" addr=`
	waitFor(t, func() bool { return strings.Contains(logs.String(), line) }, "the challenge listener")
	addr := strings.Fields(logs.String()[strings.Index(logs.String(), line)+len(line):])[0]

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(host, path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Host = host
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("chat.example.test", "/v0/channels"); resp.StatusCode != http.StatusFound ||
		resp.Header.Get("Location") != "https://chat.example.test/v0/channels" {
		t.Errorf("plain request: %d to %q, want a redirect to https", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := get("elsewhere.example.test", "/.well-known/acme-challenge/tok"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("challenge for a name outside acme_hosts: %d, want 403", resp.StatusCode)
	}
	if resp := get("chat.example.test", "/.well-known/acme-challenge/tok"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown challenge token: %d, want 404", resp.StatusCode)
	}
}

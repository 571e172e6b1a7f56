package security

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// A real `parley serve` with --tls-cert/--tls-key settings: clients get in
// over wss:// and https:// only, and replacing the files switches the
// served certificate without a restart, while a pair that does not load is
// refused and the working certificate kept.
func TestTLSServeAndReload(t *testing.T) {
	ca := servertest.NewCA(t)
	certDir := t.TempDir()
	certPath, keyPath, _ := ca.WriteFiles(t, certDir, "127.0.0.1")
	p := startServer(t, "PARLEY_TLS_CERT="+certPath, "PARLEY_TLS_KEY="+keyPath)
	tlsCfg := ca.ClientConfig()

	c, err := servertest.DialTLS(t, p.Addr, tlsCfg)
	if err != nil {
		t.Fatalf("wss: %v", err)
	}
	if code := c.Hi().Code(); code != 201 {
		t.Fatalf("hi over wss: %d", code)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: servertest.Timeout}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + p.Addr + "/healthz")
	if err != nil {
		t.Fatalf("https: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("https /healthz: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if _, err := servertest.DialAddr(t, p.Addr, ""); err == nil {
		t.Fatal("plain ws:// accepted by a TLS server")
	}

	// Renewal: new files, same paths. The server looks at most every 2 s.
	_, _, second := ca.WriteFiles(t, certDir, "127.0.0.1")
	waitServed(t, p.Addr, ca, second.String())

	// A broken renewal (a certificate without its key) is not served.
	other, _, _ := ca.Issue(t, "127.0.0.1")
	servertest.WriteFile(t, certPath, other)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Log(), "do not load") {
		if time.Now().After(deadline) {
			t.Fatalf("the bad pair was not noticed:\n%s", p.Log())
		}
		if got, err := servertest.ServedSerial(p.Addr, tlsCfg); err != nil || got.Cmp(second) != 0 {
			t.Fatalf("after a bad pair: served %v (%v), want the previous %v", got, err, second)
		}
		time.Sleep(50 * time.Millisecond) // polling the server's log with a deadline
	}
	if got, err := servertest.ServedSerial(p.Addr, tlsCfg); err != nil || got.Cmp(second) != 0 {
		t.Fatalf("after a bad pair: served %v (%v), want the previous %v", got, err, second)
	}
	if c2, err := servertest.DialTLS(t, p.Addr, tlsCfg); err != nil || c2.Hi().Code() != 201 {
		t.Fatalf("wss after a bad pair: %v", err)
	}
}

// waitServed polls TLS handshakes until the server presents the
// certificate with serial want, or fails after a deadline.
func waitServed(t *testing.T, addr string, ca *servertest.CA, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := servertest.ServedSerial(addr, ca.ClientConfig())
		if err == nil && got.String() == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new certificate %s was not served within 10 s: last %v (%v)", want, got, err)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
}

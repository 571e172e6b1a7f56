package security

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/server/servertest"
)

// httpClient sends plain HTTP requests from a local address of the test's
// choosing (any of 127.0.0.0/8 reaches a loopback server on Linux), so one
// test can play several client addresses.
func httpClient(from string) *http.Client {
	d := &net.Dialer{Timeout: servertest.Timeout}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	return &http.Client{Timeout: servertest.Timeout,
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// post sends a POST with headers and returns the status and body.
func post(t *testing.T, c *http.Client, url string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ctrlCode is the ctrl.code of a JSON body, 0 if it has none.
func ctrlCode(body string) int {
	var m struct {
		Ctrl struct {
			Code int `json:"code"`
		} `json:"ctrl"`
	}
	json.Unmarshal([]byte(body), &m)
	return m.Ctrl.Code
}

// A page on a foreign site must not open long-polling sessions from its
// visitors' browsers when an Origin allow-list is configured.
func TestEdgeForeignOriginLongPolling(t *testing.T) {
	p := startServer(t, "PARLEY_ALLOWED_ORIGINS=https://app.example")
	url := "http://" + p.Addr + "/v0/channels/lp"
	c := httpClient("")
	if code, body := post(t, c, url, map[string]string{"Origin": "https://evil.example"}, ""); code != 403 || ctrlCode(body) != 403 {
		t.Fatalf("foreign origin: HTTP %d %s, want 403", code, body)
	}
	if code, body := post(t, c, url, map[string]string{"Origin": "https://app.example"}, ""); code != 201 {
		t.Fatalf("listed origin: HTTP %d %s, want 201", code, body)
	}
}

// An upload without a login token is refused in a body tinode-sdk shows,
// readable from another origin, and the server logs why.
func TestEdgeUploadsExplained(t *testing.T) {
	p := startServer(t)
	req, err := http.NewRequest(http.MethodPost, "http://"+p.Addr+"/v0/file/u/", strings.NewReader("--x--"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	resp, err := httpClient("").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || ctrlCode(string(body)) != 401 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("upload: HTTP %d %s, allow-origin %q", resp.StatusCode, body, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	for deadline := time.Now().Add(servertest.Timeout); !strings.Contains(p.Log(), `why="authentication required"`); {
		if time.Now().After(deadline) {
			t.Fatalf("no log line for the refused upload:\n%s", p.Log())
		}
		time.Sleep(10 * time.Millisecond) // the poll's interval, not a wait for the event
	}
}

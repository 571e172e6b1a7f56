package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
	"github.com/parley-im/parley/internal/server/servertest"
)

// httpDo sends one request with headers and returns the response with its
// body read.
func httpDo(t *testing.T, method, url string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: servertest.Timeout}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Tinode's web app is served from another origin and reaches long polling
// and the file endpoints with XMLHttpRequest: without CORS headers the
// browser hides every answer from it. With no allow-list any origin is
// answered "*"; with one, the listed origin is echoed and others get none.
func TestCORS(t *testing.T) {
	t.Parallel()
	open := servertest.Start(t)
	listed := servertest.Start(t, func(c *server.Config) { c.AllowedOrigins = []string{"https://app.example"} })
	preflight := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "x-tinode-apikey,x-tinode-auth,content-type"}
	for _, tc := range []struct {
		srv    *servertest.Server
		origin string
		want   string
	}{
		{open, "https://app.example", "*"},
		{listed, "https://app.example", "https://app.example"},
		{listed, "https://evil.example", ""},
	} {
		for _, path := range []string{"/v0/channels/lp", "/v0/file/u/", "/v0/file/s/x.png"} {
			preflight["Origin"] = tc.origin
			resp, _ := httpDo(t, http.MethodOptions, "http://"+tc.srv.Addr+path, preflight, "")
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.want {
				t.Errorf("preflight %s from %s: allow-origin %q, want %q", path, tc.origin, got, tc.want)
			}
			if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Vary"), "Origin") {
				t.Errorf("preflight %s: HTTP %d, Vary %q", path, resp.StatusCode, resp.Header.Get("Vary"))
			}
			allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
			for _, h := range []string{"x-tinode-apikey", "x-tinode-auth", "content-type"} {
				if !strings.Contains(allowed, h) {
					t.Errorf("preflight %s: allowed headers %q lack %s", path, allowed, h)
				}
			}
		}
		resp, _ := httpDo(t, http.MethodPost, "http://"+tc.srv.Addr+"/v0/channels/lp",
			map[string]string{"Origin": tc.origin}, "")
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.want {
			t.Errorf("long-polling POST from %s: allow-origin %q, want %q", tc.origin, got, tc.want)
		}
	}
}

// The Origin allow-list applies to long polling as it does to WebSocket: a
// page on a foreign site must not open sessions in its visitors' browsers.
func TestLongPollingOriginRefused(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.AllowedOrigins = []string{"https://app.example"} })
	url := "http://" + srv.Addr + "/v0/channels/lp"
	resp, body := httpDo(t, http.MethodPost, url, map[string]string{"Origin": "https://evil.example"}, "")
	if resp.StatusCode != http.StatusForbidden || decodeMsg(t, body).Int("ctrl.code") != 403 {
		t.Fatalf("foreign origin: HTTP %d %s, want 403 with a ctrl body", resp.StatusCode, body)
	}
	for _, origin := range []string{"https://app.example", ""} {
		if resp, body := httpDo(t, http.MethodPost, url, map[string]string{"Origin": origin}, ""); resp.StatusCode != http.StatusCreated {
			t.Fatalf("origin %q: HTTP %d %s, want 201", origin, resp.StatusCode, body)
		}
	}
}

// Both file endpoints refuse a request without a login token in a body
// tinode-sdk shows (a ctrl with 401), readable from another origin.
func TestFilesNeedAuth(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/v0/file/u/"}, {http.MethodGet, "/v0/file/s/abc.jpg"},
	} {
		resp, body := httpDo(t, tc.method, "http://"+srv.Addr+tc.path,
			map[string]string{"Origin": "https://app.example", "X-Tinode-APIKey": "k"}, "")
		ctrl := decodeMsg(t, body).Obj("ctrl")
		if resp.StatusCode != http.StatusUnauthorized || ctrl.Code() != 401 ||
			ctrl["text"] != "authentication required" {
			t.Fatalf("%s %s: HTTP %d %s, want 401 with a ctrl body", tc.method, tc.path, resp.StatusCode, body)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%s %s: no CORS header", tc.method, tc.path)
		}
	}
}

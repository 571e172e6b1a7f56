package server

import (
	"net/http"
	"testing"
	"time"
)

// X-Forwarded-For names the client only when a trusted proxy sent it, and
// then only the hops the trusted proxies added: a client writing its own
// header gains nothing.
func TestClientAddress(t *testing.T) {
	trusted, err := parseTrusted([]string{"10.0.0.0/8", " 192.0.2.7 "})
	if err != nil {
		t.Fatal(err)
	}
	a := &addrs{trusted: trusted}
	for _, tc := range []struct {
		peer, xff, want string
	}{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"},          // untrusted peer: header ignored
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},            // through the proxy
		{"10.1.2.3:4000", "1.1.1.1, 198.51.100.1", "198.51.100.1"},   // the client's own entry is left of it
		{"10.1.2.3:4000", "198.51.100.1, 192.0.2.7", "198.51.100.1"}, // two trusted hops
		{"10.1.2.3:4000", "", "10.1.2.3"},                            // the proxy itself
		{"10.1.2.3:4000", "junk, 10.9.9.9", "10.1.2.3"},              // nothing untrusted that parses
		{"[::ffff:10.1.2.3]:4000", "2001:db8::1", "2001:db8::1"},     // mapped IPv4 proxy, IPv6 client
		{"[2001:db8::9]:4000", "198.51.100.1", "2001:db8::9"},        // untrusted IPv6 peer
	} {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := a.of(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	if _, err := parseTrusted([]string{"not-an-address"}); err == nil {
		t.Fatal("a bad trusted proxy was accepted")
	}
}

// The edge settings load from the environment and are validated.
func TestEdgeConfig(t *testing.T) {
	cfg := Defaults()
	env := map[string]string{"PARLEY_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.7", "PARLEY_MAX_CONNS_PER_ADDRESS": "7",
		"PARLEY_MAX_LONG_POLL_SESSIONS": "9", "PARLEY_HI_TIMEOUT": "3s", "PARLEY_LOGIN_TIMEOUT": "4s",
		"PARLEY_READ_HEADER_TIMEOUT": "5s", "PARLEY_HTTP_IDLE_TIMEOUT": "6s", "PARLEY_LOGIN_ACCOUNT_BURST": "2",
		"PARLEY_LOGIN_ACCOUNT_EVERY": "1m", "PARLEY_LOGIN_ADDRESS_BURST": "3", "PARLEY_LOGIN_ADDRESS_EVERY": "2m",
		"PARLEY_PASSWORD_WORKERS": "1"}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.TrustedProxies) != 2 || cfg.MaxConnsPerAddress != 7 || cfg.MaxLongPollSessions != 9 ||
		time.Duration(cfg.HiTimeout).String() != "3s" || time.Duration(cfg.LoginTimeout).String() != "4s" || time.Duration(cfg.ReadHeaderTimeout).String() != "5s" ||
		time.Duration(cfg.HTTPIdleTimeout).String() != "6s" || cfg.LoginAccountBurst != 2 || time.Duration(cfg.LoginAccountEvery).String() != "1m0s" ||
		cfg.LoginAddressBurst != 3 || time.Duration(cfg.LoginAddressEvery).String() != "2m0s" || cfg.PasswordWorkers != 1 {
		t.Fatalf("env not applied: %+v", cfg)
	}
	cfg.TrustedProxies = []string{"10.0.0.300"}
	if err := cfg.Validate(); err == nil {
		t.Fatal("a bad trusted proxy validated")
	}
	cfg = Defaults()
	cfg.HiTimeout = 0
	if err := cfg.Validate(); err == nil {
		t.Fatal("hi_timeout 0 validated")
	}
}

package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// certCheckEvery is how often, at most, a TLS handshake looks at the
// certificate files' modification times: often enough that a renewed
// certificate is served within seconds, rare enough that a storm of
// handshakes does not become a storm of stat calls.
const certCheckEvery = 2 * time.Second

// acmeCacheDir is the folder under data_dir where the ACME account key and
// the certificates are kept, so a restart does not ask the authority again
// (Let's Encrypt limits how many certificates a name may get per week).
const acmeCacheDir = "acme"

// validateTLS checks the TLS settings: certificate files, ACME, or neither.
func (c *Config) validateTLS() error {
	switch {
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return fmt.Errorf("tls_cert and tls_key must be given together")
	case c.TLSCert != "" && len(c.ACMEHosts) > 0:
		return fmt.Errorf("tls_cert and acme_hosts exclude each other: choose certificate files or ACME")
	case len(c.ACMEHosts) == 0 && (c.ACMEEmail != "" || c.ACMEHTTP != ""):
		return fmt.Errorf("acme_email and acme_http need acme_hosts")
	case c.HSTSMaxAge < 0:
		return fmt.Errorf("hsts_max_age must not be negative")
	}
	for _, h := range c.ACMEHosts {
		if h == "" || strings.ContainsAny(h, ":/ ") || net.ParseIP(h) != nil {
			return fmt.Errorf("acme_hosts: %q is not a host name (no port, path, space or IP address)", h)
		}
	}
	return nil
}

// TLSEnabled reports whether the configuration serves TLS.
func (c *Config) TLSEnabled() bool { return c.TLSCert != "" || len(c.ACMEHosts) > 0 }

// setupTLS builds the listener's TLS configuration from the settings, or
// leaves s.tls nil for plain HTTP. Certificate files must load now: a typo
// is reported at start, not at the first handshake.
func (s *Server) setupTLS() error {
	var base *tls.Config
	switch {
	case s.cfg.TLSCert != "":
		files, err := newCertFiles(s.cfg.TLSCert, s.cfg.TLSKey, certCheckEvery, time.Now, s.log)
		if err != nil {
			return err
		}
		base = &tls.Config{GetCertificate: files.GetCertificate, NextProtos: []string{"http/1.1"}}
	case len(s.cfg.ACMEHosts) > 0:
		m, err := s.acmeManager()
		if err != nil {
			return err
		}
		s.acme = m
		// tls-alpn-01 challenges arrive on the TLS listener itself.
		base = &tls.Config{GetCertificate: m.GetCertificate, NextProtos: []string{"http/1.1", acme.ALPNProto}}
	default:
		return nil
	}
	base.MinVersion = tls.VersionTLS12
	s.tls = base
	// HTTP/1.1 only: WebSocket upgrades hijack the connection, which an
	// HTTP/2 stream cannot be, so a browser must not be offered h2.
	s.http.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	return nil
}

// acmeManager is the ACME client for the configured host names, with its
// cache in the data directory (created private: it holds private keys).
func (s *Server) acmeManager() (*autocert.Manager, error) {
	dir := filepath.Join(s.cfg.DataDir, acmeCacheDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("acme cache: %w", err)
	}
	return &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(s.cfg.ACMEHosts...),
		Cache:      autocert.DirCache(dir),
		Email:      s.cfg.ACMEEmail,
	}, nil
}

// listenTLS wraps ln in TLS when it is configured, and starts the ACME
// HTTP-01 challenge listener when acme_http is set.
func (s *Server) listenTLS(ln net.Listener) (net.Listener, error) {
	if s.tls == nil {
		return ln, nil
	}
	if s.acme != nil && s.cfg.ACMEHTTP != "" {
		challenge, err := net.Listen("tcp", s.cfg.ACMEHTTP)
		if err != nil {
			return nil, fmt.Errorf("acme_http: %w", err)
		}
		// Everything but a challenge is redirected to https.
		s.acmeHTTP = &http.Server{Handler: s.acme.HTTPHandler(nil), ReadHeaderTimeout: 10 * time.Second}
		go s.acmeHTTP.Serve(challenge)
		s.log.Info("ACME HTTP-01 challenges served", "addr", challenge.Addr().String())
	}
	return tls.NewListener(ln, s.tls), nil
}

// stopTLS stops the ACME challenge listener, if there is one.
func (s *Server) stopTLS(ctx context.Context) {
	if s.acmeHTTP != nil {
		s.acmeHTTP.Shutdown(ctx)
	}
}

// hsts adds Strict-Transport-Security to every answer while TLS is on, so
// a browser that once reached Parley over https never falls back to
// plain http (and ws://) for that host.
func (s *Server) hsts(next http.Handler) http.Handler {
	age := time.Duration(s.cfg.HSTSMaxAge)
	if !s.cfg.TLSEnabled() || age <= 0 {
		return next
	}
	value := "max-age=" + strconv.FormatInt(int64(age/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", value)
		next.ServeHTTP(w, r)
	})
}

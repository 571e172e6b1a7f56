package server

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/hub"
)

// NewCertFiles gives the external tests the certificate reloader with a
// clock of their own.
func NewCertFiles(certPath, keyPath string, every time.Duration, now func() time.Time, log *slog.Logger) (
	func(*tls.ClientHelloInfo) (*tls.Certificate, error), error) {
	c, err := newCertFiles(certPath, keyPath, every, now, log)
	if err != nil {
		return nil, err
	}
	return c.GetCertificate, nil
}

// HealthHandler is /healthz over any key store, so a test can make the
// store fail.
var HealthHandler = healthHandler

// HubForTest is the server's hub, for the cluster tests that drive the
// customer-service layer's writes directly.
func (s *Server) HubForTest() *hub.Hub { return s.hub }

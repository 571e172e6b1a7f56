package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certFiles serves a certificate and key read from files, and reads them
// again when they change, so a renewed certificate (certbot, a secret
// mount) is served without a restart. It checks on a handshake, at most
// once per every, by the files' modification time and size: no goroutine,
// no file watcher. A new pair that fails to load (a half-written file, a
// key that does not match) is logged and the previous certificate stays.
type certFiles struct {
	// Static after construction.
	certPath, keyPath string
	every             time.Duration
	now               func() time.Time
	log               *slog.Logger

	mu      sync.Mutex // guards the rest
	cert    *tls.Certificate
	stamp   fileStamp // of the pair last loaded or tried
	checked time.Time // when stamp was last compared
}

// fileStamp is what tells that a file changed.
type fileStamp struct {
	certMod, keyMod   time.Time
	certSize, keySize int64
}

// newCertFiles loads the pair once; an error here stops the server from
// starting.
func newCertFiles(certPath, keyPath string, every time.Duration, now func() time.Time, log *slog.Logger) (*certFiles, error) {
	c := &certFiles{certPath: certPath, keyPath: keyPath, every: every, now: now, log: log}
	c.stamp = c.stampFiles()
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("tls_cert/tls_key: %w", err)
	}
	c.cert, c.checked = &cert, now()
	return c, nil
}

// GetCertificate is the tls.Config hook: the current certificate, after
// reloading it if the files changed since the last look.
func (c *certFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.checked) >= c.every {
		c.checked = now
		c.reloadLocked()
	}
	return c.cert, nil
}

// reloadLocked loads the pair if its stamp changed. The stamp is recorded
// even when loading fails, so one bad pair logs once, not on every
// handshake; the next change of either file is tried again.
func (c *certFiles) reloadLocked() {
	st := c.stampFiles()
	if st == c.stamp {
		return
	}
	c.stamp = st
	cert, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
	if err != nil {
		c.log.Warn("TLS certificate files changed but do not load; serving the previous certificate",
			"cert", c.certPath, "key", c.keyPath, "err", err)
		return
	}
	c.cert = &cert
	c.log.Info("TLS certificate reloaded", "cert", c.certPath, "expires", cert.Leaf.NotAfter)
}

// stampFiles stats both files; a file that cannot be read stamps as zero,
// which differs from any real stamp, so its return is noticed.
func (c *certFiles) stampFiles() fileStamp {
	var st fileStamp
	if fi, err := os.Stat(c.certPath); err == nil {
		st.certMod, st.certSize = fi.ModTime(), fi.Size()
	}
	if fi, err := os.Stat(c.keyPath); err == nil {
		st.keyMod, st.keySize = fi.ModTime(), fi.Size()
	}
	return st
}

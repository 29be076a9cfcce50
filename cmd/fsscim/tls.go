package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"
)

// defaultCertCheckInterval is how often a TLS handshake may look at the certificate files for a new
// version: cheap enough to do often, rare enough not to stat on every handshake under load.
const defaultCertCheckInterval = 2 * time.Second

// certRenewWarning is how long before its expiry the served certificate is warned about; the warning
// repeats once a day (on a handshake) until a renewed one is served.
const (
	certRenewWarning = 14 * 24 * time.Hour
	certWarnEvery    = 24 * time.Hour
)

// modernCipherSuites are the TLS 1.2 suites offered: forward-secret ECDHE with AEAD ciphers only.
// TLS 1.3 suites are not configurable and all qualify.
var modernCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// certReloader serves the certificate in certFile/keyFile and picks up a new version when either
// file changes (cert-manager and Kubernetes secret mounts replace them in place), without a restart.
// A new version that does not load, has expired or is not valid yet is logged and the previous
// certificate stays in use.
type certReloader struct {
	certFile, keyFile string
	log               *zap.Logger
	checkEvery        time.Duration
	now               func() time.Time

	mu        sync.Mutex
	cert      *tls.Certificate
	stamp     fileStamps // of the files the current certificate came from
	badStamp  fileStamps // of files that failed to load, so the failure is logged once
	lastCheck time.Time
	warnedAt  time.Time // last warning about the served certificate's expiry
}

type fileStamp struct {
	mod  time.Time
	size int64
}

type fileStamps [2]fileStamp

func stampOf(certFile, keyFile string) (fileStamps, error) {
	var s fileStamps
	for i, f := range []string{certFile, keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return s, err
		}
		s[i] = fileStamp{mod: fi.ModTime(), size: fi.Size()}
	}
	return s, nil
}

// newCertReloader loads the certificate once; a failure here, an expired certificate or one not valid
// yet stops the start.
func newCertReloader(certFile, keyFile string, checkEvery time.Duration, log *zap.Logger) (*certReloader, error) {
	if checkEvery < 0 {
		checkEvery = 0
	}
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log, checkEvery: checkEvery, now: time.Now}
	stamp, err := stampOf(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("read TLS certificate files: %w", err)
	}
	cert, err := loadCert(certFile, keyFile, r.now())
	if err != nil {
		return nil, err
	}
	r.cert, r.stamp, r.lastCheck = cert, stamp, r.now()
	log.Info("TLS certificate loaded", certFields(cert)...)
	r.warnExpiryLocked(r.now())
	return r, nil
}

// loadCert reads the pair and refuses a certificate clients would refuse at once: expired, or not
// valid yet (a clock or an issuer ahead of time).
func loadCert(certFile, keyFile string, now time.Time) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s with key %s: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil && len(cert.Certificate) > 0 {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("TLS certificate %s: %w", certFile, err)
		}
	}
	switch leaf := cert.Leaf; {
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("TLS certificate %s (%s) expired on %s; renew it",
			certFile, leaf.Subject, leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("TLS certificate %s (%s) is not valid before %s; check the clock and the certificate",
			certFile, leaf.Subject, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return &cert, nil
}

func certFields(c *tls.Certificate) []zap.Field {
	if c.Leaf == nil {
		return nil
	}
	return []zap.Field{zap.String("subject", c.Leaf.Subject.String()), zap.Strings("dns_names", c.Leaf.DNSNames),
		zap.Time("not_after", c.Leaf.NotAfter)}
}

// GetCertificate is the tls.Config hook.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); now.Sub(r.lastCheck) >= r.checkEvery {
		r.lastCheck = now
		r.reloadLocked(now)
		r.warnExpiryLocked(now)
	}
	return r.cert, nil
}

func (r *certReloader) reloadLocked(now time.Time) {
	stamp, err := stampOf(r.certFile, r.keyFile)
	if err != nil || stamp == r.stamp || stamp == r.badStamp {
		// A file missing for a moment (being replaced) keeps the current certificate.
		return
	}
	cert, err := loadCert(r.certFile, r.keyFile, now)
	if err != nil {
		r.badStamp = stamp
		r.log.Warn("new TLS certificate files are refused; still serving the previous certificate", zap.Error(err))
		return
	}
	r.cert, r.stamp, r.warnedAt = cert, stamp, time.Time{}
	r.log.Info("TLS certificate reloaded", certFields(cert)...)
}

// warnExpiryLocked warns, at most once a day, while the served certificate is within
// certRenewWarning of its expiry or past it.
func (r *certReloader) warnExpiryLocked(now time.Time) {
	leaf := r.cert.Leaf
	left := leaf.NotAfter.Sub(now)
	if left > certRenewWarning || (!r.warnedAt.IsZero() && now.Sub(r.warnedAt) < certWarnEvery) {
		return
	}
	r.warnedAt = now
	fields := append(certFields(r.cert), zap.String("cert_file", r.certFile))
	if left <= 0 {
		r.log.Error("the TLS certificate being served has expired and clients refuse it; renew it", fields...)
		return
	}
	r.log.Warn(fmt.Sprintf("the TLS certificate expires in %d day(s); renew it", int(math.Ceil(left.Hours()/24))), fields...)
}

// notAfter is when the served certificate expires, in Unix seconds (fsscim_tls_cert_not_after_seconds).
func (r *certReloader) notAfter() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return float64(r.cert.Leaf.NotAfter.Unix())
}

// tlsConfig is the server's TLS configuration: TLS 1.2 and later with modern suites only.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		CipherSuites:   modernCipherSuites,
		GetCertificate: r.GetCertificate,
	}
}

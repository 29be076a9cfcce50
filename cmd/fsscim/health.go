package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/fsscim/fsscim/config"
)

// cmdHealth probes a running fsscim's /readyz on its admin listener, for container HEALTHCHECKs on
// images without curl. It finds the listener as serve does, from FSSCIM_ADMIN_LISTEN, and speaks TLS
// when FSSCIM_TLS_CERT is set, trusting exactly that certificate.
func cmdHealth(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim health", stderr)
	url := fs.String("url", "FSSCIM_HEALTH_URL", "", "readiness URL to probe (default: /readyz on FSSCIM_ADMIN_LISTEN, https when FSSCIM_TLS_CERT is set)")
	caFile := fs.String("cacert", "FSSCIM_HEALTH_CACERT", "", "PEM file of the certificate authorities (or the certificate itself) to trust for an https URL")
	insecure := fs.Bool("insecure-skip-verify", "FSSCIM_HEALTH_INSECURE_SKIP_VERIFY", "accept the server's certificate without checking it")
	timeout := fs.Duration("timeout", "FSSCIM_HEALTH_TIMEOUT", 3*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim health [--url URL] [--cacert FILE]\n\nExit 0 when fsscim answers ready, 1 otherwise. Meant for container health checks: with no\noption it probes the admin listener the way serve's own environment configures it.\n\nOptions:")
		fs.PrintDefaults()
	}
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	target, tlsCfg, err := adminEndpoint(getenv, *url, *caFile, *insecure)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim health: %v\n", err)
		return 2
	}
	if *url == "" {
		target += "/readyz"
	}
	code, body, err := getAdmin(ctx, target, tlsCfg, "", 4096, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim health: %v\n", err)
		return 1
	}
	if code == http.StatusBadRequest && bytes.Contains(body, []byte("HTTP request to an HTTPS server")) {
		fmt.Fprintf(stderr, "fsscim health: %s speaks TLS; set FSSCIM_TLS_CERT to the certificate serve uses (as its --tls-cert), or give --url https://… with --cacert\n", target)
		return 1
	}
	if code != http.StatusOK {
		fmt.Fprintf(stderr, "fsscim health: not ready (%d): %s\n", code, bytes.TrimSpace(body))
		return 1
	}
	fmt.Fprintf(stdout, "ready\n")
	return 0
}

// getAdmin sends GET target to the admin listener, with tlsCfg and, when given, the admin token,
// giving up after timeout, and reads at most limit bytes of the answer.
func getAdmin(ctx context.Context, target string, tlsCfg *tls.Config, bearer string, limit int64, timeout time.Duration) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s not reachable: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer of %s: %w", target, err)
	}
	return resp.StatusCode, body, nil
}

// adminEndpoint is the admin listener's base URL, given or else as FSSCIM_ADMIN_LISTEN gives it
// (https when FSSCIM_TLS_CERT is set), and the TLS settings that reach it: see adminTLS.
func adminEndpoint(getenv func(string) string, given, caFile string, insecure bool) (string, *tls.Config, error) {
	certFile := getenv("FSSCIM_TLS_CERT")
	base := given
	if base == "" {
		base = defaultAdminURL(getenv("FSSCIM_ADMIN_LISTEN"), certFile != "")
	}
	tlsCfg, err := adminTLS(base, caFile, certFile, insecure)
	return base, tlsCfg, err
}

// defaultAdminURL is the admin listener's URL as FSSCIM_ADMIN_LISTEN gives it; a listener on every
// address is reached on loopback.
func defaultAdminURL(adminListen string, tlsOn bool) string {
	if adminListen == "" {
		adminListen = config.DefaultAdminListen
	}
	host, port, err := net.SplitHostPort(adminListen)
	if err != nil {
		host, port = "127.0.0.1", adminListen
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// adminTLS decides whom an https request to the admin listener trusts: anyone when insecure; else
// the authorities in --cacert, checked as any client checks (the URL's host must be in the
// certificate); else the certificate serve itself serves (FSSCIM_TLS_CERT), matched exactly, since a
// probe on 127.0.0.1 cannot match the public name it carries; else the system's authorities.
func adminTLS(target, caFile, servedCert string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case !strings.HasPrefix(strings.ToLower(target), "https://"):
		return cfg, nil
	case insecure:
		cfg.InsecureSkipVerify = true
	case caFile != "":
		caPEM, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("--cacert %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	case servedCert != "":
		leaf, err := firstCertificate(servedCert)
		if err != nil {
			return nil, fmt.Errorf("FSSCIM_TLS_CERT: %w", err)
		}
		// The chain and name checks are replaced by an exact match with the certificate on disk.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !cs.PeerCertificates[0].Equal(leaf) {
				return errors.New("the server presents another certificate than FSSCIM_TLS_CERT holds (is it being renewed?)")
			}
			return nil
		}
	}
	return cfg, nil
}

// firstCertificate reads the first certificate of a PEM file: the server's own, before any chain.
func firstCertificate(path string) (*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var block *pem.Block
		block, raw = pem.Decode(raw)
		if block == nil {
			return nil, fmt.Errorf("%s holds no PEM certificate", path)
		}
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// TestServeRefusesCertificatesClientsWouldRefuse: an expired certificate, or one not valid yet, stops
// the start with a message naming the file and the date; nothing is served.
func TestServeRefusesCertificatesClientsWouldRefuse(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		name              string
		notBefore, notAft time.Time
		want              string
	}{
		{"expired", now.Add(-48 * time.Hour), now.Add(-time.Hour), "expired on"},
		{"not valid yet", now.Add(time.Hour), now.Add(48 * time.Hour), "is not valid before"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newTenantFixture(t)
			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
			writeCertValid(t, certFile, keyFile, "bad-dates", tt.notBefore, tt.notAft)
			var logs bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := run(ctx, []string{"serve", "--tenants", f.tenants, "--data-dir", f.data, "--listen", "127.0.0.1:0",
				"--admin-listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile},
				nil, &logs, audit.tee(&logs), env(map[string]string{config.EnvTokenKeys: f.key}))
			if code != 1 || !strings.Contains(logs.String(), tt.want) || !strings.Contains(logs.String(), certFile) {
				t.Fatalf("exit %d, log:\n%s\nwant exit 1 and a message saying %q about %s", code, logs.String(), tt.want, certFile)
			}
			if strings.Contains(logs.String(), "fsscim serving") {
				t.Fatal("it served anyway")
			}
		})
	}
}

// TestServeWarnsBeforeItsCertificateExpires: within 14 days of its expiry the certificate is warned
// about at start, and fsscim_tls_cert_not_after_seconds (served by the admin listener, in TLS with
// the same certificate) tells when it expires.
func TestServeWarnsBeforeItsCertificateExpires(t *testing.T) {
	for _, tt := range []struct {
		name  string
		left  time.Duration
		warns bool
	}{
		{"ten days left", 10*24*time.Hour - time.Minute, true},
		{"ninety days left", 90 * 24 * time.Hour, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newTenantFixture(t)
			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
			cert := writeCertValid(t, certFile, keyFile, "renew-me", time.Now().Add(-time.Hour), time.Now().Add(tt.left))
			s := serve(t, f, nil, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
			warned := strings.Contains(s.logs.String(), "the TLS certificate expires in 10 day(s); renew it")
			if warned != tt.warns {
				t.Errorf("warned %v, want %v:\n%s", warned, tt.warns, s.logs.String())
			}
			roots := x509.NewCertPool()
			roots.AddCert(cert)
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
			if !strings.HasPrefix(s.admin, "https://") {
				t.Fatalf("admin listener at %s, want https like the SCIM listener", s.admin)
			}
			status, body := get(t, client, s.admin+"/metrics", "")
			m := regexp.MustCompile(`(?m)^fsscim_tls_cert_not_after_seconds (\S+)$`).FindStringSubmatch(body)
			if status != http.StatusOK || m == nil {
				t.Fatalf("admin /metrics over TLS: %d, no fsscim_tls_cert_not_after_seconds", status)
			}
			if v, _ := strconv.ParseFloat(m[1], 64); int64(v) != cert.NotAfter.Unix() {
				t.Errorf("fsscim_tls_cert_not_after_seconds = %s, want %d", m[1], cert.NotAfter.Unix())
			}
		})
	}
}

// TestServeKeepsItsCertificateWhenTheNewOneExpired: renewed files holding an expired certificate are
// refused and the current certificate stays in use.
func TestServeKeepsItsCertificateWhenTheNewOneExpired(t *testing.T) {
	s := startWithCertFiles(t)
	first, logs := s.first, s.logs
	writeCertValid(t, s.certFile, s.keyFile, "expired", time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	for _, addr := range []string{s.ln.Addr().String(), s.adminLn.Addr().String()} {
		got, err := dialTLS(addr, &tls.Config{InsecureSkipVerify: true}) // compared below
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(first) {
			t.Fatalf("%s presents %q, want the first certificate kept", addr, got.Subject.CommonName)
		}
	}
	if !strings.Contains(logs.String(), "are refused; still serving the previous certificate") || !strings.Contains(logs.String(), "expired on") {
		t.Fatalf("the log does not say the expired certificate was refused:\n%s", logs.String())
	}
}

// TestHealthSpeaksTLS runs `fsscim health` as a container's HEALTHCHECK would against a serve that
// terminates TLS: it follows FSSCIM_ADMIN_LISTEN and FSSCIM_TLS_CERT, or --url with --cacert, and
// fails with a useful message when it is not told how to trust the certificate.
func TestHealthSpeaksTLS(t *testing.T) {
	f := newTenantFixture(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeCert(t, certFile, keyFile, "fsscim-health")
	otherCert := filepath.Join(dir, "other.crt")
	writeCert(t, otherCert, filepath.Join(dir, "other.key"), "someone-else")
	s := serve(t, f, nil, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	adminAddr := strings.TrimPrefix(s.admin, "https://")
	if _, _, err := net.SplitHostPort(adminAddr); err != nil {
		t.Fatalf("admin URL %q", s.admin)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		say  string
	}{
		{"the container's environment", nil,
			map[string]string{"FSSCIM_ADMIN_LISTEN": adminAddr, "FSSCIM_TLS_CERT": certFile, "FSSCIM_TLS_KEY": keyFile}, 0, "ready"},
		{"--url with --cacert", []string{"--url", s.admin + "/readyz", "--cacert", certFile}, nil, 0, "ready"},
		{"the URL from the environment", nil,
			map[string]string{"FSSCIM_HEALTH_URL": s.admin + "/readyz", "FSSCIM_HEALTH_CACERT": certFile}, 0, "ready"},
		{"https without a trusted certificate", []string{"--url", s.admin + "/readyz"}, nil, 1, "certificate"},
		{"another certificate pinned", nil, map[string]string{"FSSCIM_ADMIN_LISTEN": adminAddr, "FSSCIM_TLS_CERT": otherCert}, 1,
			"another certificate than FSSCIM_TLS_CERT holds"},
		{"plain HTTP to a TLS listener", nil, map[string]string{"FSSCIM_ADMIN_LISTEN": adminAddr}, 1, "speaks TLS; set FSSCIM_TLS_CERT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"health"}, tt.args...), nil, &out, &errOut, env(tt.env))
			if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.say) {
				t.Fatalf("exit %d, out %q, err %q; want exit %d saying %q", code, out.String(), errOut.String(), tt.code, tt.say)
			}
		})
	}
}

// TestCertificateExpiryWarningRepeatsDaily: the expiry warning comes back once a day on handshakes
// while the certificate is not renewed, and turns into an error once it has expired.
func TestCertificateExpiryWarningRepeatsDaily(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	start := time.Now()
	writeCertValid(t, certFile, keyFile, "ageing", start.Add(-time.Hour), start.Add(3*24*time.Hour))
	logs := &proxytest.LogBuffer{}
	log, err := newLogger("json", "info", logs)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newCertReloader(certFile, keyFile, 0, log)
	if err != nil {
		t.Fatal(err)
	}
	clock := r.warnedAt // when the first warning was given
	r.now = func() time.Time { return clock }
	count := func(msg string) int { return strings.Count(logs.String(), msg) }
	if count("the TLS certificate expires in 3 day(s)") != 1 {
		t.Fatalf("no warning at start:\n%s", logs.String())
	}
	for _, step := range []struct {
		after  time.Duration
		warns  int // warnings in all so far
		errors int
	}{
		{time.Hour, 1, 0},
		{23 * time.Hour, 2, 0}, // a day after the first
		{12 * time.Hour, 2, 0},
		{12 * time.Hour, 3, 0},
		{2 * 24 * time.Hour, 3, 1}, // expired
	} {
		clock = clock.Add(step.after)
		if _, err := r.GetCertificate(nil); err != nil {
			t.Fatal(err)
		}
		if got := count("renew it\""); got != step.warns+step.errors {
			t.Fatalf("after %v more: %d expiry messages, want %d:\n%s", step.after, got, step.warns+step.errors, logs.String())
		}
		if got := count("has expired and clients refuse it"); got != step.errors {
			t.Fatalf("after %v more: %d expired errors, want %d", step.after, got, step.errors)
		}
	}
}

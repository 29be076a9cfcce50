package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store/redistest"
)

// tenantFixture is a tenant folder and data dir for one emulated Freshservice account, with a token.
type tenantFixture struct {
	emu     *freshservicetest.Emulator
	tenants string
	data    string
	key     string // the server token key (FSSCIM_TOKEN_KEYS)
	token   string
	apiKey  string
	agentID int64 // the API key's own agent, a user to read
}

func newTenantFixture(t *testing.T) *tenantFixture {
	t.Helper()
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
	t.Cleanup(emuSrv.Close)
	apiKey := "prod-test-key-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	agent := emu.AddAPIKey(apiKey, true)
	dir := t.TempDir()
	f := &tenantFixture{emu: emu, tenants: filepath.Join(dir, "tenants"), data: filepath.Join(dir, "data"), apiKey: apiKey, agentID: agent.ID}
	if err := os.MkdirAll(f.tenants, 0o700); err != nil {
		t.Fatal(err)
	}
	configtest.WriteTenant(t, f.tenants, "acme.yaml", "domain: acme.freshservice.com\napi_url: "+emuSrv.URL+"/api/v2\n")
	var keys *config.Keyring
	f.key, keys = proxytest.NewKeys(t)
	f.token = proxytest.Seal(t, keys, "acme.freshservice.com", apiKey)
	audit.secret("a test's Freshservice API key", apiKey)
	audit.secret("a test's bearer token", f.token)
	audit.secret("a test's server token key", f.key)
	return f
}

// served is an `fsscim serve` run by run(), as the binary would.
type served struct {
	base    string         // SCIM listener, scheme://host:port
	admin   string         // admin listener, scheme://host:port
	startup map[string]any // the "fsscim serving" line
	logs    *proxytest.LogBuffer
	stop    func() int
}

// serve runs `fsscim serve` on the fixture's folders with args (the admin listener on a free loopback
// port unless args say otherwise) and waits for it to log its URLs.
func serve(t *testing.T, f *tenantFixture, extraEnv map[string]string, args ...string) *served {
	t.Helper()
	return serveArgs(t, f, extraEnv, append([]string{"serve", "--tenants", f.tenants, "--data-dir", f.data}, args...)...)
}

// servingLine reads fsscim's JSON log from r up to the "fsscim serving" line and returns it decoded;
// nil when the log ends without one.
func servingLine(r io.Reader) map[string]any {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "fsscim serving" {
			return line
		}
	}
	return nil
}

// servingURLs are the SCIM listener's base (scheme://host:port) and the admin listener's URL that the
// "fsscim serving" line names; empty when it names none.
func servingURLs(line map[string]any) (base, admin string) {
	u, _ := line["url"].(string)
	admin, _ = line["admin_url"].(string)
	return strings.TrimSuffix(u, "/scim/v2"), admin
}

// serveArgs runs fsscim with exactly these arguments and the fixture's token key.
func serveArgs(t *testing.T, f *tenantFixture, extraEnv map[string]string, all ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &proxytest.LogBuffer{}
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	// The fixture's tenant reaches the emulator through api_url, which serve must be told to follow.
	envm := map[string]string{config.EnvTokenKeys: f.key, "FSSCIM_ALLOW_API_URL": "true", "FSSCIM_ADMIN_LISTEN": "127.0.0.1:0"}
	for k, v := range extraEnv {
		envm[k] = v
	}
	go func() {
		done <- run(ctx, all, nil, io.Discard, audit.tee(io.MultiWriter(pw, logs)), env(envm))
		pw.Close()
	}()
	startup := servingLine(pr)
	base, admin := servingURLs(startup)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var once sync.Once
	code := 0
	s := &served{base: base, admin: admin, startup: startup, logs: logs, stop: func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return code
	}}
	t.Cleanup(func() { s.stop() })
	if base == "" {
		s.stop()
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	return s
}

func get(t *testing.T, c *http.Client, url, token string) (int, string) {
	t.Helper()
	return do(t, c, newRequest(t, http.MethodGet, url, token, nil))
}

// newRequest is a request to a running fsscim carrying the bearer token when one is given, and the
// SCIM media type when it has a body.
func newRequest(t *testing.T, method, url, token string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	return req
}

// do sends req and returns the status and body of the answer, failing t when none comes.
func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

const testConnectionPath = `/scim/v2/Users?filter=userName+eq+%22b4fa7c1e-0000-4000-8000-000000000000%22`

// listenLoopback is a listener on a free loopback port, closed with the test.
func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// writeCert writes a fresh self-signed certificate for 127.0.0.1, valid from an hour ago for an
// hour, and returns it.
func writeCert(t *testing.T, certFile, keyFile, name string) *x509.Certificate {
	t.Helper()
	return writeCertValid(t, certFile, keyFile, name, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
}

// writeCertValid writes a self-signed certificate for 127.0.0.1 valid between notBefore and notAfter.
func writeCertValid(t *testing.T, certFile, keyFile, name string, notBefore, notAfter time.Time) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// Written beside and renamed into place, as secret mounts and cert-manager do.
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

// dialTLS completes a handshake and returns the certificate the server presented.
func dialTLS(addr string, cfg *tls.Config) (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

func TestServeTLSOffersOnlyModernProtocols(t *testing.T) {
	f := newTenantFixture(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	cert := writeCert(t, certFile, keyFile, "fsscim-test")
	s := serve(t, f, nil, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.base, "https://") {
		t.Fatalf("served at %s, want https", s.base)
	}
	addr := strings.TrimPrefix(s.base, "https://")
	roots := x509.NewCertPool()
	roots.AddCert(cert)

	tests := []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{"TLS 1.3", &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13}, true},
		{"TLS 1.2 with AES-GCM", &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, true},
		{"TLS 1.1", &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, false},
		{"TLS 1.2 with CBC only", &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dialTLS(addr, tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("handshake error %v, want success %v", err, tt.ok)
			}
		})
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	if status, body := get(t, client, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("Test Connection over TLS: %d %s", status, body)
	}
	if strings.Contains(s.logs.String(), "plain HTTP") {
		t.Fatal("a TLS server warned about plain HTTP")
	}
}

// TestServeReloadsItsCertificate replaces the certificate files while fsscim runs: new connections
// get the new certificate without a restart, and files that do not load leave the old one in place.
func TestServeReloadsItsCertificate(t *testing.T) {
	s := startWithCertFiles(t)
	certFile, keyFile, first, logs := s.certFile, s.keyFile, s.first, s.logs
	addr := s.ln.Addr().String()
	insecure := &tls.Config{InsecureSkipVerify: true} // the test compares the certificates itself
	presented := func() *x509.Certificate {
		t.Helper()
		c, err := dialTLS(addr, insecure)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := presented(); !got.Equal(first) {
		t.Fatalf("presented %s, want the first certificate", got.Subject.CommonName)
	}
	second := writeCert(t, certFile, keyFile, "second")
	if got := presented(); !got.Equal(second) {
		t.Fatalf("after the files changed: presented %s, want the second certificate", got.Subject.CommonName)
	}
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := presented(); !got.Equal(second) {
		t.Fatalf("after a broken file: presented %s, want the second certificate kept", got.Subject.CommonName)
	}
	for _, want := range []string{"TLS certificate reloaded", "are refused; still serving the previous certificate"} {
		if strings.Count(logs.String(), want) != 1 {
			t.Errorf("the log does not say once %q:\n%s", want, logs.String())
		}
	}
}

// certServe is fsscim started in the test's process, serving TLS from certificate files the test
// may replace.
type certServe struct {
	certFile, keyFile string
	first             *x509.Certificate // what the files held at start
	logs              *proxytest.LogBuffer
	ln, adminLn       net.Listener
}

// startWithCertFiles starts fsscim on loopback listeners with a certificate named "first"; it looks
// at the files on every handshake (no check interval), so a test sees a change at once.
func startWithCertFiles(t *testing.T) *certServe {
	t.Helper()
	f := newTenantFixture(t)
	dir := t.TempDir()
	s := &certServe{certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key"), logs: &proxytest.LogBuffer{}}
	s.first = writeCert(t, s.certFile, s.keyFile, "first")
	log, err := newLogger("json", "info", audit.tee(s.logs))
	if err != nil {
		t.Fatal(err)
	}
	s.ln, s.adminLn = listenLoopback(t), listenLoopback(t)
	keys, _ := config.ParseKeys(f.key)
	ctx, cancel := context.WithCancel(context.Background())
	inst, err := start(ctx, instanceConfig{
		settings: config.Settings{TenantsDir: f.tenants, DataDir: f.data, TLSCert: s.certFile, TLSKey: s.keyFile},
		keys:     keys, log: log, listener: s.ln, adminListener: s.adminLn,
		certCheckInterval: 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		inst.wait(ctx)
	})
	return s
}

func TestServeWarnsWhenServingPlainHTTP(t *testing.T) {
	tests := []struct {
		name string
		args []string
		why  string
	}{
		{"loopback", []string{"--listen", "127.0.0.1:0"}, "loopback"},
		{"insecure-http", []string{"--listen", ":0", "--insecure-http"}, "--insecure-http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTenantFixture(t)
			s := serve(t, f, nil, tt.args...)
			var warning map[string]any
			for _, line := range strings.Split(s.logs.String(), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && strings.Contains(m["msg"].(string), "plain HTTP") {
					warning = m
				}
			}
			if warning == nil || warning["level"] != "warn" || !strings.Contains(warning["msg"].(string), tt.why) {
				t.Fatalf("no warning about plain HTTP naming %q:\n%s", tt.why, s.logs.String())
			}
		})
	}
}

// TestReadyzFollowsTheDataDir takes the data dir away under a running fsscim: /readyz fails (the
// load balancer stops sending requests) while /healthz stays up, and recovers when the dir is back.
func TestReadyzFollowsTheDataDir(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")
	c := http.DefaultClient
	if status, body := get(t, c, s.admin+"/readyz", ""); status != http.StatusOK {
		t.Fatalf("/readyz at start: %d %s", status, body)
	}
	moved := f.data + ".away"
	if err := os.Rename(f.data, moved); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, c, s.admin+"/readyz", "")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "data dir") {
		t.Fatalf("/readyz without the data dir: %d %s", status, body)
	}
	if status, _ := get(t, c, s.base+"/healthz", ""); status != http.StatusOK {
		t.Fatalf("/healthz without the data dir: %d (liveness must not restart fsscim for this)", status)
	}
	if err := os.Rename(moved, f.data); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, c, s.admin+"/readyz", ""); status != http.StatusOK {
		t.Fatalf("/readyz with the data dir back: %d %s", status, body)
	}
}

// TestServeMetricsCountTenantReloads edits the tenant folder under a running fsscim.
func TestServeMetricsCountTenantReloads(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")
	reloads := func() (success, failure float64) {
		_, body := get(t, http.DefaultClient, s.admin+"/metrics", "")
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, `fsscim_tenant_reloads_total{result="success"} `); ok {
				success, _ = strconv.ParseFloat(v, 64)
			}
			if v, ok := strings.CutPrefix(line, `fsscim_tenant_reloads_total{result="failure"} `); ok {
				failure, _ = strconv.ParseFloat(v, 64)
			}
		}
		return success, failure
	}
	if ok, bad := reloads(); ok != 1 || bad != 0 {
		t.Fatalf("after start: %v successful and %v failed loads, want 1 and 0", ok, bad)
	}
	configtest.WriteTenant(t, f.tenants, "beta.yaml", "domain: beta.freshservice.com\nusers: {on_delete: remove}\n")
	configtest.Eventually(t, "a broken tenant file counted as a failed reload", func() bool {
		_, bad := reloads()
		return bad >= 1
	})
}

// TestServeWithRedisSurvivesItsOutage runs `fsscim serve --redis-url` and kills Redis: the replica
// goes on serving the users it recorded itself, answers 503 with Retry-After for a user it holds no
// record of (another replica may have recorded it), says once in its log that it is on its own, and
// /metrics shows it; it stays ready.
func TestServeWithRedisSurvivesItsOutage(t *testing.T) {
	rds := redistest.Start(t)
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0", "--redis-url", rds.URL())
	c := http.DefaultClient
	if !strings.Contains(s.logs.String(), "sharing rate budgets and records through Redis") {
		t.Fatalf("serve does not say it shares through Redis:\n%s", s.logs.String())
	}
	degraded := func() string {
		_, body := get(t, c, s.admin+"/metrics", "")
		m := regexp.MustCompile(`(?m)^fsscim_shared_state_degraded (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("/metrics has no fsscim_shared_state_degraded")
		}
		return m[1]
	}
	if status, body := get(t, c, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("with Redis: %d %s", status, body)
	}
	if got := degraded(); got != "0" {
		t.Fatalf("fsscim_shared_state_degraded = %s with Redis up", got)
	}
	// The budget's keys prove the calls were counted in Redis.
	keys, err := rds.Client().Keys(context.Background(), "fsscim:{acme.freshservice.com}:budget*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no budget keys in Redis (%v): the budget is not shared", err)
	}
	created := post(t, s.base+"/scim/v2/Users", f.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@example.com","name":{"givenName":"Grace","familyName":"Hopper"}}`)
	if keys, _ := rds.Client().Keys(context.Background(), "fsscim:{acme.freshservice.com}:user:*").Result(); len(keys) == 0 {
		t.Fatal("the new user's record is not in Redis")
	}

	rds.Stop()
	// Reads of the user this replica created: each one takes from the budget and reads the store.
	for i := range 5 {
		path := "/scim/v2/Users/" + created
		if i%2 == 1 {
			path = testConnectionPath
		}
		if status, body := get(t, c, s.base+path, f.token); status != http.StatusOK {
			t.Fatalf("request %d with Redis gone: %d %s", i, status, body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.base+"/scim/v2/Users/"+strconv.FormatInt(f.agentID, 10), nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "Redis") {
		t.Fatalf("a user this replica holds no record of, with Redis gone: %d (Retry-After %q) %s; want 503 naming Redis",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if got := degraded(); got != "1" {
		t.Fatalf("fsscim_shared_state_degraded = %s with Redis gone, want 1", got)
	}
	if !strings.Contains(s.logs.String(), "Redis is unusable") {
		t.Fatalf("the log does not say that Redis is unusable:\n%s", s.logs.String())
	}
	if status, _ := get(t, c, s.admin+"/readyz", ""); status != http.StatusOK {
		t.Fatalf("/readyz = %d with Redis gone: the replica still serves, it must stay ready", status)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// post sends a SCIM create and returns the new resource's id.
func post(t *testing.T, url, token, body string) string {
	t.Helper()
	status, raw := do(t, http.DefaultClient, newRequest(t, http.MethodPost, url, token, strings.NewReader(body)))
	var res struct {
		ID string `json:"id"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(raw), &res) != nil || res.ID == "" {
		t.Fatalf("POST %s: %d %s", url, status, raw)
	}
	return res.ID
}

// The logger is also used by tests above; make sure the JSON one stays JSON.
func TestServeLogsAreJSON(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger("json", "info", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hello", zap.String("authorization", "Basic abcdefgh12345"))
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["authorization"] != "[REDACTED]" {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
}

package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// TestServeFinishesInFlightRequestsOnShutdown starts `fsscim serve`, sends a request that Freshservice
// answers slowly, stops the server meanwhile (as SIGTERM does) and expects the request to complete.
func TestServeFinishesInFlightRequestsOnShutdown(t *testing.T) {
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
	defer emuSrv.Close()
	emu.AddAPIKey("serve-test-key", true)

	dir := t.TempDir()
	tenants := filepath.Join(dir, "tenants")
	if err := os.MkdirAll(tenants, 0o700); err != nil {
		t.Fatal(err)
	}
	configtest.WriteTenant(t, tenants, "acme.yaml", "domain: acme.freshservice.com\napi_url: "+emuSrv.URL+"/api/v2\n")
	key, keys := proxytest.NewKeys(t)
	token := proxytest.Seal(t, keys, "acme.freshservice.com", "serve-test-key")

	audit.secret("serve test's API key", "serve-test-key")
	audit.secret("serve test's bearer token", token)
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--tenants", tenants, "--data-dir", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0",
			"--admin-listen", "127.0.0.1:0", "--allow-api-url"},
			nil, io.Discard, audit.tee(pw), env(map[string]string{config.EnvTokenKeys: key}))
		pw.Close()
	}()
	base, _ := servingLine(pr)["url"].(string)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" {
		stop()
		t.Fatal("serve did not log its URL")
	}

	emu.InjectFault(freshservicetest.Fault{Latency: 700 * time.Millisecond}, -1)
	type result struct {
		status int
		err    error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, base+"/Users?filter="+strings.ReplaceAll(`userName eq "nobody@example.com"`, " ", "+"), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{status: resp.StatusCode}
	}()
	// Let the request reach the slow Freshservice, then shut down.
	deadline := time.Now().Add(5 * time.Second)
	for len(emu.Calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	r := <-res
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight request: status %d, err %v", r.status, r.err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit")
	}
}

func TestServeRefusesPlainHTTPOnNetwork(t *testing.T) {
	var errOut strings.Builder
	code := run(context.Background(), []string{"serve", "--tenants", t.TempDir(), "--listen", ":0"}, nil, io.Discard, &errOut, env(nil))
	if code == 0 || !strings.Contains(errOut.String(), "--insecure-http") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

package config_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
)

// SSRF through a tenant file: the API URL is the only place fsscim sends a tenant's API key.

// TestAPIURLCannotPointElsewhere: api_url forms that look like the tenant's Freshservice (or
// loopback) but would send the API key somewhere else are refused; the ones accepted reach exactly
// the host they show.
func TestAPIURLCannotPointElsewhere(t *testing.T) {
	tests := []struct {
		apiURL   string
		wantHost string // "" = refused
	}{
		{"http://127.0.0.1@evil.example/api/v2", ""},
		{"https://acme.freshservice.com@evil.example/api/v2", ""},
		{"https://evil.example#@acme.freshservice.com/api/v2", ""},
		{"https://evil.example?@acme.freshservice.com/api/v2", ""},
		{"http://localhost.evil.example/api/v2", ""},
		{"http://127.0.0.1.nip.io/api/v2", ""},
		{"http://0x7f000001/api/v2", ""},
		{"http://2130706433/api/v2", ""},
		{"http://169.254.169.254/latest/meta-data", ""},
		{"http://10.0.0.5/api/v2", ""},
		{"http://[::ffff:a9fe:a9fe]/api/v2", ""},
		{"file:///etc/passwd", ""},
		{"gopher://127.0.0.1:6379/_FLUSHALL", ""},
		{"//evil.example/api/v2", ""},
		{"https:evil.example/api/v2", ""},
		{"https://acme.freshservice.com\\@evil.example/api/v2", ""},
		// Link-local and cloud metadata services, even over https and with the allowance.
		{"https://169.254.169.254/latest/meta-data", ""},
		{"https://[fe80::1]/api/v2", ""},
		{"https://[fd00:ec2::254]/api/v2", ""},
		{"https://[::ffff:169.254.169.254]/api/v2", ""},
		{"https://metadata.google.internal/computeMetadata/v1", ""},
		{"https://METADATA.google.internal./computeMetadata/v1", ""},
		{"https://2852039166/api/v2", ""},
		{"https://0xa9fea9fe/api/v2", ""},
		{"https://100.100.100.200/api/v2", ""},
		{"https://acme.freshservice.com/api/v2", "acme.freshservice.com"},
		{"https://acme.freshservice.com:8443/api/v2", "acme.freshservice.com:8443"},
		{"http://127.0.0.1:9000/api/v2", "127.0.0.1:9000"},
		{"http://[::1]:9000/api/v2", "[::1]:9000"},
		{"HTTP://localhost:9000/api/v2", "localhost:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.apiURL, func(t *testing.T) {
			dir := t.TempDir()
			body := "domain: acme.freshservice.com\napi_url: " + fmt.Sprintf("%q", tt.apiURL) + "\n"
			configtest.WriteTenant(t, dir, "acme.yaml", body)
			set, err := config.LoadDir(dir, config.LoadOptions{AllowAPIURL: true})
			tenant, ok := set.Lookup("acme.freshservice.com")
			if tt.wantHost == "" {
				if err == nil || ok {
					t.Fatalf("accepted; the tenant's calls would go to %s", tenant.BaseURL())
				}
				return
			}
			if err != nil || !ok {
				t.Fatalf("refused: %v", err)
			}
			u, perr := url.Parse(tenant.BaseURL())
			if perr != nil || u.Host != tt.wantHost || u.User != nil {
				t.Fatalf("calls go to %q, want host %s", tenant.BaseURL(), tt.wantHost)
			}
		})
	}
}

// TestAPIURLNeedsTheServersAllowance: a tenant file alone cannot send its API key to a host of its
// choosing; api_url is followed only when the server allows it, and refused with the fix otherwise.
func TestAPIURLNeedsTheServersAllowance(t *testing.T) {
	dir := t.TempDir()
	body := "domain: acme.freshservice.com\napi_url: https://collector.example.net/api/v2\n"
	configtest.WriteTenant(t, dir, "acme.yaml", body)
	set, err := config.LoadDir(dir, config.LoadOptions{})
	if _, ok := set.Lookup("acme.freshservice.com"); ok || err == nil {
		t.Fatalf("served without the allowance (error %v)", err)
	}
	for _, want := range []string{"acme.yaml:2: api_url:", "remove it", "https://acme.freshservice.com/api/v2", "--allow-api-url", "FSSCIM_ALLOW_API_URL=true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message does not say %q: %v", want, err)
		}
	}
	set, err = config.LoadDir(dir, config.LoadOptions{AllowAPIURL: true})
	acme, ok := set.Lookup("acme.freshservice.com")
	if err != nil || !ok || acme.BaseURL() != "https://collector.example.net/api/v2" {
		t.Fatalf("with the allowance: error %v, tenant %v", err, acme)
	}
}

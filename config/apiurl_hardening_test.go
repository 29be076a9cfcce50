package config_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/fsscim/fsscim/config"
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
			if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			set, err := config.LoadDir(dir)
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

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesTenantFilesThatAimElsewhere: serve applies the same host rules as check. Without
// --allow-api-url the fixture's tenant, which names the emulator in api_url, is not served (its token
// gets 401 and nothing reaches the emulator), and a file naming a metadata address is refused; the
// log says why and what to do.
func TestServeRefusesTenantFilesThatAimElsewhere(t *testing.T) {
	f := newTenantFixture(t)
	if err := os.WriteFile(filepath.Join(f.tenants, "meta.yaml"), []byte("domain: 169.254.169.254\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, f, map[string]string{"FSSCIM_ALLOW_API_URL": ""}, "--listen", "127.0.0.1:0")
	if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusUnauthorized {
		t.Fatalf("a tenant reached through api_url without --allow-api-url: %d %s", status, body)
	}
	if n := len(f.emu.Calls()); n != 0 {
		t.Fatalf("the emulator named in api_url received %d calls", n)
	}
	for _, want := range []string{"acme.yaml:2: api_url: is set, but this fsscim does not follow api_url", "--allow-api-url",
		`meta.yaml:1: domain: \"169.254.169.254\" is an IP address`} {
		if !strings.Contains(s.logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, s.logs.String())
		}
	}
}

// TestServeBelievesForwardingHeadersOnlyFromTrustedProxies: --trusted-proxies reaches the server; the
// access log names the client a trusted proxy forwards for, and the peer otherwise.
func TestServeBelievesForwardingHeadersOnlyFromTrustedProxies(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		remote string
	}{
		{"no trusted proxy", nil, "127.0.0.1"},
		{"loopback trusted", []string{"--trusted-proxies", "127.0.0.1"}, "203.0.113.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newTenantFixture(t)
			s := serve(t, f, nil, append([]string{"--listen", "127.0.0.1:0"}, tt.args...)...)
			req, _ := http.NewRequest(http.MethodGet, s.base+"/healthz", nil)
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := `"path":"/healthz","status":200,`
			for _, line := range strings.Split(s.logs.String(), "\n") {
				if strings.Contains(line, want) {
					if !strings.Contains(line, `"remote":"`+tt.remote+`"`) {
						t.Errorf("access log %s, want remote %s", line, tt.remote)
					}
					return
				}
			}
			t.Fatalf("no access log line for /healthz:\n%s", s.logs.String())
		})
	}
}

package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/proxy/status"
)

// TestStatusCommand runs `fsscim serve` with an admin token and `fsscim status` against its admin
// listener: the table and the JSON show the tenant serving with a working key after Test Connection,
// a tenant file broken later shows as its last good version kept, and neither the API key, the
// bearer token nor the admin token appears.
func TestStatusCommand(t *testing.T) {
	f := newTenantFixture(t)
	dir := t.TempDir()
	adminToken, _ := config.NewKey()
	audit.secret("a test's admin token", adminToken)
	tokenFile := configtest.WriteSecret(t, filepath.Join(dir, "admin-token"), adminToken+"\n", 0o600)
	s := serve(t, f, map[string]string{"FSSCIM_ADMIN_TOKEN_FILE": tokenFile}, "--listen", "127.0.0.1:0")
	if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("Test Connection: %d %s", status, body)
	}
	statusCmd := func(args ...string) (int, string, string) {
		t.Helper()
		code, out, errOut := runCmd(t, "", map[string]string{"FSSCIM_ADMIN_TOKEN_FILE": tokenFile},
			append([]string{"status", "--admin-url", s.admin}, args...)...)
		for _, secret := range []string{f.apiKey, f.token, adminToken, f.key} {
			if strings.Contains(out, secret) {
				t.Fatalf("fsscim status %v printed a secret:\n%s", args, out)
			}
		}
		return code, out, errOut
	}

	code, out, errOut := statusCmd()
	if code != 0 {
		t.Fatalf("fsscim status: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "DOMAIN") || !strings.Contains(lines[0], "LAST FS ERROR") {
		t.Fatalf("no table header:\n%s", out)
	}
	row := strings.Fields(lines[1])
	if len(row) < 4 || row[0] != "acme.freshservice.com" || row[1] != "yes" || row[2] != "working" || !strings.HasSuffix(lines[1], "acme.yaml current") {
		t.Errorf("tenant row %q", lines[1])
	}

	code, out, _ = statusCmd("--json")
	var all struct{ Tenants []status.Tenant }
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all.Tenants) != 1 {
		t.Fatalf("--json: exit %d\n%s", code, out)
	}
	if got := all.Tenants[0]; got.Key != status.KeyWorking || got.LastRequest.IsZero() || !got.Directory.Built || len(got.Activity) != 24 {
		t.Errorf("--json tenant %+v", got)
	}
	code, out, _ = statusCmd("--json", "--domain", "ACME.freshservice.com")
	var one status.Tenant
	if code != 0 || json.Unmarshal([]byte(out), &one) != nil || one.Domain != "acme.freshservice.com" {
		t.Errorf("--domain: exit %d\n%s", code, out)
	}

	// The tenant file breaks: its last good version keeps serving, and the status says so.
	path := filepath.Join(f.tenants, "acme.yaml")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	configtest.ReplaceFile(t, path, append(good, "users: {on_delete: remove}\n"...))
	configtest.Eventually(t, "the status showing the broken file", func() bool {
		_, out, _ := statusCmd()
		return strings.Contains(out, "acme.yaml last_good_kept") && strings.Contains(out, "acme.yaml: last_good_kept: acme.yaml:")
	})

	// Without the token, or with another, the command says why.
	other := filepath.Join(dir, "other-token")
	otherToken, _ := config.NewKey()
	configtest.WriteSecret(t, other, otherToken+"\n", 0o600)
	if code, _, errOut := runCmd(t, "", nil, "status", "--admin-url", s.admin, "--admin-token-file", other); code != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("another token: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", nil, "status", "--admin-url", s.admin); code != 2 || !strings.Contains(errOut, "--admin-token-file") {
		t.Errorf("no token file: exit %d %s", code, errOut)
	}
}

// TestStatusOffWithoutAdminToken: a serve without --admin-token-file answers the status API 403 with
// the way to turn it on, and fsscim status passes that on.
func TestStatusOffWithoutAdminToken(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	token, _ := config.NewKey()
	configtest.WriteSecret(t, tokenFile, token+"\n", 0o600)
	code, _, errOut := runCmd(t, "", map[string]string{"FSSCIM_ADMIN_LISTEN": strings.TrimPrefix(s.admin, "http://")},
		"status", "--admin-token-file", tokenFile)
	if code != 1 || !strings.Contains(errOut, "403") || !strings.Contains(errOut, "--admin-token-file") {
		t.Errorf("status against a serve without an admin token: exit %d %s", code, errOut)
	}
}

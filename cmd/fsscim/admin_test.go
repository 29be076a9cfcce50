package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
)

// logLines decodes every JSON log line.
func logLines(logs string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestServeAdminListener runs `fsscim serve`: the SCIM listener answers /scim/v2 and a liveness
// /healthz only, the admin listener /healthz, /readyz and /metrics (with the build's version), the
// startup line names both, and probe requests stay out of an info log.
func TestServeAdminListener(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")
	c := http.DefaultClient
	if s.admin == "" || s.admin == s.base {
		t.Fatalf("startup line: admin_url %q beside url %q", s.admin, s.base)
	}
	for _, tt := range []struct {
		url    string
		status int
	}{
		{s.base + "/healthz", 200}, {s.base + "/readyz", 404}, {s.base + "/metrics", 404},
		{s.admin + "/healthz", 200}, {s.admin + "/readyz", 200}, {s.admin + "/metrics", 200},
		{s.admin + testConnectionPath, 404},
	} {
		if status, body := get(t, c, tt.url, ""); status != tt.status {
			t.Errorf("GET %s: %d, want %d: %.200s", tt.url, status, tt.status, body)
		}
	}
	if status, body := get(t, c, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("Test Connection: %d %s", status, body)
	}
	_, metrics := get(t, c, s.admin+"/metrics", "")
	build := regexp.MustCompile(`(?m)^fsscim_build_info\{goversion="([^"]+)",revision="[^"]*",version="[^"]+"\} 1$`).FindStringSubmatch(metrics)
	if build == nil || build[1] != runtime.Version() {
		t.Errorf("/metrics has no fsscim_build_info with goversion %s: %v", runtime.Version(), build)
	}
	if s.startup["tenants"] != float64(1) || s.startup["level"] != "info" {
		t.Errorf("startup line %v: want info, 1 tenant", s.startup)
	}
	for _, m := range logLines(s.logs.String()) {
		if m["msg"] == "request" || m["msg"] == "admin request" {
			if p, _ := m["path"].(string); p != "/scim/v2/Users" {
				t.Errorf("a probe was logged at the default level: %v", m)
			}
		}
	}
}

// TestServeLogLevelDebugShowsProbes: --log-level debug (or FSSCIM_LOG_LEVEL) brings the probe
// requests into the log.
func TestServeLogLevelDebugShowsProbes(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, map[string]string{"FSSCIM_LOG_LEVEL": "debug"}, "--listen", "127.0.0.1:0")
	get(t, http.DefaultClient, s.admin+"/readyz", "")
	configtest.Eventually(t, "a debug line for /readyz", func() bool {
		for _, m := range logLines(s.logs.String()) {
			if m["msg"] == "admin request" && m["path"] == "/readyz" && m["level"] == "debug" {
				return true
			}
		}
		return false
	})
}

// TestServeReadinessTellsTheTruth: a replica serving no tenant, or one whose tenant file was refused
// at start, is not ready (and its startup line says so); it becomes ready once the folder is fixed, and
// a file that breaks later keeps its last good version and does not take readiness away.
func TestServeReadinessTellsTheTruth(t *testing.T) {
	readyz := func(s *served) (int, string) { return get(t, http.DefaultClient, s.admin+"/readyz", "") }
	acme := func(f *tenantFixture) string {
		raw, err := os.ReadFile(filepath.Join(f.tenants, "acme.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}

	t.Run("no tenant file", func(t *testing.T) {
		f := newTenantFixture(t)
		good := acme(f)
		if err := os.Remove(filepath.Join(f.tenants, "acme.yaml")); err != nil {
			t.Fatal(err)
		}
		s := serve(t, f, nil, "--listen", "127.0.0.1:0")
		if status, body := readyz(s); status != http.StatusServiceUnavailable || !strings.Contains(body, "no tenant file is loaded") {
			t.Fatalf("/readyz with no tenant: %d %s", status, body)
		}
		if s.startup["level"] != "warn" || s.startup["tenants"] != float64(0) || !strings.Contains(s.startup["not_ready"].(string), "--allow-empty") {
			t.Errorf("startup line %v: want a warning with 0 tenants, saying why it is not ready", s.startup)
		}
		configtest.WriteTenant(t, f.tenants, "acme.yaml", good)
		configtest.Eventually(t, "ready after a tenant file arrived", func() bool { st, _ := readyz(s); return st == http.StatusOK })
		if !strings.Contains(s.logs.String(), "ready: the tenant folder is served as written") {
			t.Errorf("the log does not say that the replica became ready:\n%s", s.logs.String())
		}
	})

	t.Run("no tenant file, --allow-empty", func(t *testing.T) {
		f := newTenantFixture(t)
		if err := os.Remove(filepath.Join(f.tenants, "acme.yaml")); err != nil {
			t.Fatal(err)
		}
		s := serve(t, f, map[string]string{"FSSCIM_ALLOW_EMPTY": "true"}, "--listen", "127.0.0.1:0")
		if status, body := readyz(s); status != http.StatusOK {
			t.Fatalf("/readyz with --allow-empty: %d %s", status, body)
		}
	})

	t.Run("a file rejected at start", func(t *testing.T) {
		f := newTenantFixture(t)
		good := acme(f)
		configtest.WriteTenant(t, f.tenants, "beta.yaml", "domain: beta.freshservice.com\nusers:\n  on_delete: remove\n")
		s := serve(t, f, nil, "--listen", "127.0.0.1:0")
		status, body := readyz(s)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "beta.yaml rejected at start") {
			t.Fatalf("/readyz with a refused file: %d %s", status, body)
		}
		rejected, _ := s.startup["rejected_files"].([]any)
		if s.startup["tenants"] != float64(1) || len(rejected) != 1 || rejected[0] != "beta.yaml" || s.startup["level"] != "warn" {
			t.Errorf("startup line %v: want a warning with 1 tenant and beta.yaml rejected", s.startup)
		}
		// The tenants that loaded are served meanwhile.
		if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusOK {
			t.Fatalf("acme while beta is refused: %d %s", status, body)
		}
		// No line says a last good version of beta.yaml is kept: there never was one.
		for _, m := range logLines(s.logs.String()) {
			msg, _ := m["msg"].(string)
			if strings.Contains(msg, "last good version") {
				t.Errorf("a log line contradicts the refusal at start: %v", m)
			}
		}
		configtest.WriteTenant(t, f.tenants, "beta.yaml", "domain: beta.freshservice.com\n")
		configtest.Eventually(t, "ready once beta.yaml loads", func() bool { st, _ := readyz(s); return st == http.StatusOK })
		// A file that breaks now keeps its last good version: still ready.
		configtest.WriteTenant(t, f.tenants, "acme.yaml", good+"users: {on_delete: remove}\n")
		configtest.Eventually(t, "the broken acme.yaml reported", func() bool {
			return strings.Contains(s.logs.String(), "keeping its last good version")
		})
		if status, body := readyz(s); status != http.StatusOK {
			t.Fatalf("/readyz after a file broke on reload: %d %s", status, body)
		}
	})
}

// TestServeSaysWhereItsDataLives: without --data-dir, serve warns and names the folder it uses.
func TestServeSaysWhereItsDataLives(t *testing.T) {
	f := newTenantFixture(t)
	cwd := t.TempDir()
	t.Chdir(cwd)
	ctxServe := func(args ...string) *served {
		// serve() passes --data-dir; this one runs without it.
		return serveArgs(t, f, nil, append([]string{"serve", "--tenants", f.tenants, "--listen", "127.0.0.1:0"}, args...)...)
	}
	s := ctxServe()
	want := filepath.Join(cwd, "fsscim-data")
	found := false
	for _, m := range logLines(s.logs.String()) {
		if m["level"] == "warn" && m["data_dir"] == want && strings.Contains(m["msg"].(string), "no --data-dir") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning naming %s:\n%s", want, s.logs.String())
	}
	if _, err := os.Stat(filepath.Join(want, "fsscim.db")); err != nil {
		t.Errorf("the store is not where the warning says: %v", err)
	}
	s.stop()
	s = ctxServe("--data-dir", filepath.Join(cwd, "given"))
	if strings.Contains(s.logs.String(), "no --data-dir") {
		t.Errorf("warned although --data-dir was given:\n%s", s.logs.String())
	}
}

// TestServeReadsSecretsAsKubernetesMountsThem: token keys and the admin token as files of a Secret
// volume (mode 0440), or the keys one per line in FSSCIM_TOKEN_KEYS, start fsscim; an admin token file
// others may read stops it with the fix.
func TestServeReadsSecretsAsKubernetesMountsThem(t *testing.T) {
	f := newTenantFixture(t)
	dir := t.TempDir()
	other, _ := config.NewKey()
	adminToken, _ := config.NewKey()
	audit.secret("a test's second server key", other)
	audit.secret("a test's admin token", adminToken)
	writeSecret := func(name, content string, mode os.FileMode) string {
		return configtest.WriteSecret(t, filepath.Join(dir, name), content, mode)
	}
	// A key file with a new first key: the fixture's token, sealed with the second, still opens.
	keysFile := writeSecret("token-keys", other+"\n"+f.key+"\n", 0o440)
	adminFile := writeSecret("admin-token", adminToken+"\n", 0o440)
	s := serve(t, f, map[string]string{config.EnvTokenKeys: "", "FSSCIM_TOKEN_KEYS_FILE": keysFile, "FSSCIM_ADMIN_TOKEN_FILE": adminFile},
		"--listen", "127.0.0.1:0")
	if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("Test Connection with keys from a 0440 file: %d %s", status, body)
	}
	s.stop()

	// The same keys one per line in the variable, as a Secret's value often holds them.
	s = serve(t, f, map[string]string{config.EnvTokenKeys: other + "\n" + f.key + "\n"}, "--listen", "127.0.0.1:0")
	if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("Test Connection with keys on lines of %s: %d %s", config.EnvTokenKeys, status, body)
	}
	s.stop()

	open := writeSecret("admin-token-open", adminToken+"\n", 0o644)
	code, _, errOut := runCmd(t, "", map[string]string{config.EnvTokenKeys: f.key, "FSSCIM_ADMIN_LISTEN": "127.0.0.1:0"},
		"serve", "--tenants", f.tenants, "--data-dir", f.data, "--listen", "127.0.0.1:0", "--admin-token-file", open)
	if code != 1 || !strings.Contains(errOut, "chmod 600 "+open) || strings.Contains(errOut, adminToken) {
		t.Fatalf("an admin token file others may read: exit %d\n%s", code, errOut)
	}
}

package web_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/audit"
)

const (
	testDomain = "acme.freshservice.com"
	testAPIKey = "test-api-key-7f3a9c"
	adminToken = "admin-token-0123456789abcdef0123456789abcdef"
)

// site is a real fsscim server (SCIM and admin listeners) in front of the Freshservice emulator.
type site struct {
	emu   *freshservicetest.Emulator
	keys  *config.Keyring
	token string // the tenant's bearer token
	scim  *httptest.Server
	admin *httptest.Server
	logs  *proxytest.LogBuffer
	trail *audit.Bolt // the audit trail the server keeps
}

func newSite(t *testing.T) *site {
	t.Helper()
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
	t.Cleanup(emuSrv.Close)
	emu.AddAPIKey(testAPIKey, true)

	dir := t.TempDir()
	tenantDir := filepath.Join(dir, "tenants")
	if err := os.MkdirAll(tenantDir, 0o700); err != nil {
		t.Fatal(err)
	}
	yaml := "domain: " + testDomain + "\napi_url: " + emuSrv.URL + "/api/v2\n"
	if err := os.WriteFile(filepath.Join(tenantDir, "acme.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadDir(tenantDir, config.LoadOptions{AllowAPIURL: true})
	if err != nil {
		t.Fatalf("load tenants: %v", err)
	}
	_, keys := proxytest.NewKeys(t)
	token := proxytest.Seal(t, keys, testDomain, testAPIKey)
	adminFile := filepath.Join(dir, "admin-token")
	if err := os.WriteFile(adminFile, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	admin, err := config.LoadAdminTokenFile(adminFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenBolt(filepath.Join(dir, store.DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	trail, err := audit.OpenBolt(filepath.Join(dir, audit.DefaultFileName), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = trail.Close() })

	logs := &proxytest.LogBuffer{}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(logs), zap.DebugLevel)
	srv, err := proxy.New(proxy.Options{
		Tenants:    func() *config.TenantSet { return set },
		Keys:       keys,
		Store:      db,
		Logger:     zap.New(proxy.RedactingCore(core)),
		Backoff:    func(int) time.Duration { return 0 },
		AdminToken: admin,
		Audit:      trail,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{emu: emu, keys: keys, token: token, logs: logs, trail: trail,
		scim: httptest.NewServer(srv.Handler()), admin: httptest.NewServer(srv.AdminHandler())}
	t.Cleanup(func() {
		s.scim.Close()
		s.admin.Close()
		srv.Close()
		if t.Failed() {
			t.Logf("fsscim log:\n%s", logs.String())
		}
		for _, secret := range []string{testAPIKey, token, adminToken} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret appeared in fsscim's log")
			}
		}
	})
	return s
}

const mariaLopez = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"maria.lopez@acme.example","name":{"givenName":"Maria","familyName":"Lopez"},"emails":[{"type":"work","value":"maria.lopez@acme.example","primary":true}],"active":true}`

// scimRequest sends a SCIM request with the site's token and returns the status.
func (s *site) scimRequest(t *testing.T, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, s.scim.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// link seals an enrollment link for the tenant, made at made and valid for ttl.
func (s *site) link(t *testing.T, made time.Time, ttl time.Duration) string {
	t.Helper()
	l, err := config.NewEnrollLink(testDomain, s.scim.URL, made, ttl)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.keys.SealLink(l)
	if err != nil {
		t.Fatal(err)
	}
	return s.scim.URL + "/app/enroll/" + sealed
}

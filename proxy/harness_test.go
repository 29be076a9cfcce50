package proxy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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
)

// harness runs the real fsscim server against the Freshservice emulator.
type harness struct {
	t      *testing.T
	emu    *freshservicetest.Emulator
	emuURL string
	srv    *proxy.Server
	http   *httptest.Server
	token  string
	apiKey string
	keys   *config.Keyring
	store  store.Store
	// storePath is the bbolt file of store.
	storePath string
	logs      *proxytest.LogBuffer
	domain    string
	opts      proxy.Options // what the server was built with
}

type harnessOption func(*harnessConfig)

type harnessConfig struct {
	tenantYAML string // extra YAML lines for the tenant file
	emuOpts    freshservicetest.Options
	serverOpts []func(*proxy.Options)
}

func withTenant(yaml string) harnessOption {
	return func(c *harnessConfig) { c.tenantYAML += yaml + "\n" }
}

func withEmulator(o freshservicetest.Options) harnessOption {
	return func(c *harnessConfig) { c.emuOpts = o }
}

// withServer adjusts the server's options (timeouts, clock) before it is built.
func withServer(f func(*proxy.Options)) harnessOption {
	return func(c *harnessConfig) { c.serverOpts = append(c.serverOpts, f) }
}

const testDomain = "acme.freshservice.com"

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	var hc harnessConfig
	for _, o := range opts {
		o(&hc)
	}
	emu, emuSrv := freshservicetest.NewServer(hc.emuOpts)
	t.Cleanup(emuSrv.Close)
	apiKey := "test-api-key-7f3a9c"
	emu.AddAPIKey(apiKey, true)

	dir := t.TempDir()
	set := oneTenant(t, dir, "acme", "domain: "+testDomain+"\napi_url: "+emuSrv.URL+"/api/v2\n"+hc.tenantYAML)
	_, keys := proxytest.NewKeys(t)
	token := proxytest.Seal(t, keys, testDomain, apiKey)
	storePath := filepath.Join(dir, "fsscim.db")
	db, err := store.OpenBolt(storePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	logs := &proxytest.LogBuffer{}
	po := proxy.Options{
		Tenants: func() *config.TenantSet { return set },
		Keys:    keys,
		Store:   db,
		Logger:  redactingLogger(logs, zap.DebugLevel),
		Backoff: func(int) time.Duration { return 0 },
	}
	for _, f := range hc.serverOpts {
		f(&po)
	}
	// Registered first, so run last: after the server has closed and logged all it will.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("fsscim log:\n%s", logs.String())
		}
		for _, secret := range []string{apiKey, token} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret appeared in fsscim's log")
			}
		}
	})
	srv, hs := serveProxy(t, po)
	return &harness{t: t, emu: emu, emuURL: emuSrv.URL, srv: srv, http: hs, token: token, apiKey: apiKey, keys: keys, store: db, storePath: storePath, logs: logs, domain: testDomain, opts: po}
}

// redactingLogger is fsscim's JSON logger, through the redacting core, writing to w from level up.
func redactingLogger(w io.Writer, level zapcore.Level) *zap.Logger {
	return zap.New(proxy.RedactingCore(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(w), level)))
}

// serveProxy builds a server from opts and serves its SCIM handler over HTTP; both close when the
// test ends.
func serveProxy(t testing.TB, opts proxy.Options) (*proxy.Server, *httptest.Server) {
	t.Helper()
	srv, err := proxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return srv, hs
}

// response is one SCIM answer.
type response = proxytest.Response

// oneTenant writes one tenant file (name.yaml under dir/tenants) and loads the tenants as the server
// does, with api_url allowed: that is how a tenant reaches an emulator.
func oneTenant(t testing.TB, dir, name, yaml string) *config.TenantSet {
	t.Helper()
	tenantDir := filepath.Join(dir, "tenants")
	if err := os.MkdirAll(tenantDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tenantDir, name+".yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadDir(tenantDir, config.LoadOptions{AllowAPIURL: true})
	if err != nil {
		t.Fatalf("load tenants: %v", err)
	}
	return set
}

// scimRequest is a request to url carrying body (nil, a string, bytes, or a value sent as JSON) as
// SCIM JSON, with auth as its Authorization header when set.
func scimRequest(t testing.TB, method, url string, body any, auth string) *http.Request {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req
}

// send sends req with client and reads the whole answer.
func send(t testing.TB, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	r, err := proxytest.ReadResponse(resp)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	return r
}

// do sends a SCIM request with the tenant's token.
func (h *harness) do(method, path string, body any) response {
	h.t.Helper()
	return h.doAuth(method, path, body, "Bearer "+h.token)
}

func (h *harness) doAuth(method, path string, body any, auth string) response {
	h.t.Helper()
	return send(h.t, http.DefaultClient, scimRequest(h.t, method, h.http.URL+path, body, auth))
}

// emuCall makes a Freshservice API call (path under /api/v2) straight to the emulator, behind fsscim's
// back, as an admin or another integration would.
func (h *harness) emuCall(method, path string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.emuURL+"/api/v2"+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.SetBasicAuth(h.apiKey, "X")
	return send(h.t, http.DefaultClient, req)
}

// calls returns the emulator's call log since the last reset, as "METHOD /path" lines.
func (h *harness) calls() []string {
	return emuCallLines(h.emu, func(string) string { return "" })
}

// callsWithQuery is like calls with each call's query string (decoded, keys sorted), for checks where
// the query matters (an email lookup versus a list page).
func (h *harness) callsWithQuery() []string {
	return emuCallLines(h.emu, func(raw string) string {
		q, err := url.ParseQuery(raw)
		if err != nil || len(q) == 0 {
			return ""
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(q)) {
			for _, v := range q[k] {
				parts = append(parts, k+"="+v)
			}
		}
		return strings.Join(parts, "&")
	})
}

// emuCallLines lists the emulator's calls since the last reset as "METHOD /path" (without /api/v2),
// with "?" and what query makes of the raw query string when that is not empty.
func emuCallLines(emu *freshservicetest.Emulator, query func(raw string) string) []string {
	var out []string
	for _, c := range emu.Calls() {
		line := c.Method + " " + strings.TrimPrefix(c.Path, "/api/v2")
		if q := query(c.RawQuery); q != "" {
			line += "?" + q
		}
		out = append(out, line)
	}
	return out
}

// doAdmin asks the server's admin listener (readiness, metrics) for path.
func (h *harness) doAdmin(path string) response {
	h.t.Helper()
	admin := httptest.NewServer(h.srv.AdminHandler())
	defer admin.Close()
	resp, err := http.Get(admin.URL + path)
	if err != nil {
		h.t.Fatalf("GET %s on the admin listener: %v", path, err)
	}
	r, err := proxytest.ReadResponse(resp)
	if err != nil {
		h.t.Fatalf("GET %s on the admin listener: %v", path, err)
	}
	return r
}

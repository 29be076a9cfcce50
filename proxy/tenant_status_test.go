package proxy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/proxy/status"
)

// testAdminToken is the admin token of the status tests' servers.
const testAdminToken = "status-test-admin-token-0123456789abcdef"

// withAdminToken gives the server the admin token testAdminToken.
func withAdminToken(t *testing.T) harnessOption {
	path := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(path, []byte(testAdminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, err := config.LoadAdminTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return withServer(func(o *proxy.Options) { o.AdminToken = tok })
}

// doAdminAuth asks the admin listener for path with an Authorization header ("" for none).
func (h *harness) doAdminAuth(path, auth string) response {
	h.t.Helper()
	admin := httptest.NewServer(h.srv.AdminHandler())
	defer admin.Close()
	req, err := http.NewRequest(http.MethodGet, admin.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("GET %s on the admin listener: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// tenantStatus reads the test tenant's status through GET /status/{domain}, checking that it names no
// secret.
func (h *harness) tenantStatus() status.Tenant {
	h.t.Helper()
	r := h.doAdminAuth("/status/"+h.domain, "Bearer "+testAdminToken)
	if r.Status != http.StatusOK {
		h.t.Fatalf("GET /status/%s: %d %s", h.domain, r.Status, r.Body)
	}
	for _, secret := range []string{h.apiKey, h.token, testAdminToken} {
		if strings.Contains(string(r.Body), secret) {
			h.t.Fatalf("the status names a secret: %s", r.Body)
		}
	}
	var st status.Tenant
	if err := json.Unmarshal(r.Body, &st); err != nil {
		h.t.Fatalf("status: %v\n%s", err, r.Body)
	}
	return st
}

// TestStatusNeedsTheAdminToken: without an admin token configured the status API is off and says how
// to turn it on; with one, a request without it or with another is 401.
func TestStatusNeedsTheAdminToken(t *testing.T) {
	h := newHarness(t)
	r := h.doAdminAuth("/status", "Bearer "+testAdminToken)
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "--admin-token-file") {
		t.Errorf("no admin token configured: %d %s, want 403 naming --admin-token-file", r.Status, r.Body)
	}

	h = newHarness(t, withAdminToken(t))
	for _, auth := range []string{"", "Bearer wrong-token-wrong-token-wrong-token-0", "Basic " + testAdminToken, "Bearer " + h.token} {
		if r := h.doAdminAuth("/status", auth); r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET /status with %q: %d %s, want 401 with WWW-Authenticate", auth, r.Status, r.Body)
		}
	}
	r = h.doAdminAuth("/status", "Bearer "+testAdminToken)
	var all struct{ Tenants []status.Tenant }
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &all) != nil || len(all.Tenants) != 1 || all.Tenants[0].Domain != testDomain {
		t.Fatalf("GET /status: %d %s", r.Status, r.Body)
	}
	if r := h.doAdminAuth("/status/nobody.freshservice.com", "Bearer "+testAdminToken); r.Status != http.StatusNotFound {
		t.Errorf("status of an unknown tenant: %d %s", r.Status, r.Body)
	}
	// The SCIM listener does not serve it.
	if r := h.doAuth(http.MethodGet, "/status", nil, "Bearer "+testAdminToken); r.Status != http.StatusNotFound {
		t.Errorf("GET /status on the SCIM listener: %d", r.Status)
	}
}

// TestStatusTellsWhatTheTenantDid: a tenant that never called shows an unchecked key and an empty day;
// after Entra's Test Connection, a create, a disable and a refused create, its status shows the key
// working and its owner, the times, the day's counts, the cycle, the directory and the failure with its
// reason and fix.
func TestStatusTellsWhatTheTenantDid(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC))
	h := newHarness(t, withAdminToken(t), withServer(func(o *proxy.Options) { o.Now = clock.Now }))

	st := h.tenantStatus()
	if st.Key != status.KeyUnchecked || !st.Up || !st.LastRequest.IsZero() || len(st.Activity) != 24 || len(st.Errors) != 0 ||
		st.FileState != status.FileCurrent || st.File != "acme.yaml" || st.Directory.Built {
		t.Fatalf("status before any request: %+v", st)
	}

	h.warmIndex()
	id := h.createUser(entraUserBody("ann@contoso.com"))
	clock.Add(time.Minute)
	if r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", "active", "False"))); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	bob := entraUserBody("bob@contoso.com")
	bob["schemas"] = []string{usersURNCore, usersURNEnterprise}
	bob[usersURNEnterprise] = map[string]any{"department": "Nowhere"}
	if r := h.do(http.MethodPost, "/scim/v2/Users", bob); r.Status != http.StatusBadRequest {
		t.Fatalf("create in a department Freshservice lacks: %d %s", r.Status, r.Body)
	}

	st = h.tenantStatus()
	now := clock.Now()
	if st.Key != status.KeyWorking || !strings.Contains(st.KeyOwner, "@emulator.invalid") || st.KeyCheckedAt.IsZero() {
		t.Errorf("key: %s owner %q checked %v, want working with the owner's email", st.Key, st.KeyOwner, st.KeyCheckedAt)
	}
	if !st.LastRequest.Equal(now) || !st.LastUpstreamSuccess.Equal(now) || !st.LastUpstreamError.IsZero() {
		t.Errorf("times: last request %v, Freshservice success %v, error %v; want %v, %v and none",
			st.LastRequest, st.LastUpstreamSuccess, st.LastUpstreamError, now, now)
	}
	last := st.Activity[len(st.Activity)-1]
	if want := (status.Hour{Start: now.Truncate(time.Hour), Creates: 1, Disables: 1, Errors: 1}); last != want {
		t.Errorf("this hour: %+v, want %+v", last, want)
	}
	if st.Cycle.Requests != 4 || st.Cycle.Writes != 2 || st.Cycle.Errors != 1 || !st.Cycle.Active {
		t.Errorf("cycle %+v: want 4 requests, 2 writes, 1 error, active", st.Cycle)
	}
	if !st.Directory.Built || st.Directory.Users < 2 || st.Directory.Stale {
		t.Errorf("directory %+v: want built and fresh, with the users", st.Directory)
	}
	if len(st.Errors) != 1 {
		t.Fatalf("errors %+v: want the refused create", st.Errors)
	}
	f := st.Errors[0]
	if f.Operation != "create user" || f.Path != "/scim/v2/Users" || f.User != "bob@contoso.com" || f.Status != http.StatusBadRequest ||
		!strings.Contains(f.Reason, `"Nowhere" does not exist`) || f.Fix == "" || f.RequestID == "" {
		t.Errorf("failure %+v", f)
	}

	// A new cycle starts after a pause, and the hours move on.
	clock.Add(2 * time.Hour)
	h.warmIndex()
	st = h.tenantStatus()
	if st.Cycle.Requests != 1 || !st.Cycle.Started.Equal(clock.Now()) {
		t.Errorf("cycle after a pause: %+v", st.Cycle)
	}
	if got := st.Activity[len(st.Activity)-3]; got.Creates != 1 || got.Disables != 1 {
		t.Errorf("two hours on, the hour of the writes: %+v", got)
	}
}

// TestKeyWatchShowsARevokedKey: the key watch checks the key of an active tenant at every tick once
// Freshservice has not answered it for an interval, so a key revoked in Freshservice shows as rejected
// (and the tenant down) with no request, and a key whose owner lost the Account Admin role as
// not_account_admin; it leaves fresh verdicts and tenants idle for a day alone.
func TestKeyWatchShowsARevokedKey(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	ticks := make(chan time.Time)
	h := newHarness(t, withAdminToken(t), withServer(func(o *proxy.Options) {
		o.Now = clock.Now
		o.KeyWatch = ticks
	}))
	// tick hands the watch a tick and waits until it has checked: the second send is taken only once
	// the round the first started is over.
	tick := func() {
		t.Helper()
		for range 2 {
			select {
			case ticks <- clock.Now():
			case <-time.After(30 * time.Second):
				t.Fatal("the key watch does not take ticks")
			}
		}
	}
	checks := func() int {
		n := 0
		for _, c := range h.calls() {
			if c == "GET /agents/me" {
				n++
			}
		}
		return n
	}
	h.warmIndex()
	h.emu.ResetCalls()
	tick()
	if n := checks(); n != 0 {
		t.Errorf("%d key checks of a verdict Freshservice has just renewed", n)
	}

	clock.Add(61 * time.Second)
	tick()
	if n := checks(); n != 1 {
		t.Errorf("%d key checks of a verdict a minute old, want 1", n)
	}
	if st := h.tenantStatus(); st.Key != status.KeyWorking || !st.Up {
		t.Errorf("key %s, up %v after a good check", st.Key, st.Up)
	}

	// The key's owner loses the Account Admin role.
	h.emu.AddAPIKey(h.apiKey, false)
	clock.Add(61 * time.Second)
	tick()
	if st := h.tenantStatus(); st.Key != status.KeyNotAdmin || !st.Up {
		t.Errorf("key %s, up %v once its owner is no account admin", st.Key, st.Up)
	}

	h.emu.RevokeAPIKey(h.apiKey)
	clock.Add(61 * time.Second)
	tick()
	st := h.tenantStatus()
	if st.Key != status.KeyRejected || st.Up || !st.KeyCheckedAt.Equal(clock.Now()) ||
		!strings.Contains(st.LastUpstreamReason, "GET /agents/me: 401") {
		t.Errorf("after the key was revoked: key %s, up %v, checked %v, reason %q", st.Key, st.Up, st.KeyCheckedAt, st.LastUpstreamReason)
	}
	metrics := string(h.doAdmin("/metrics").Body)
	if !regexp.MustCompile(`(?m)^fsscim_tenant_up\{tenant="acme\.freshservice\.com"\} 0$`).MatchString(metrics) {
		t.Errorf("fsscim_tenant_up is not 0 for the revoked key:\n%s", proxytest.GrepLines(metrics, "fsscim_tenant_"))
	}
	if r := h.do(http.MethodGet, "/scim/v2/Users?filter="+entraFilter(`userName eq "ann@contoso.com"`), nil); r.Status != http.StatusUnauthorized {
		t.Errorf("lookup with the revoked key: %d %s, want 401", r.Status, r.Body)
	}

	// A day without requests: the watch leaves the tenant alone.
	h.emu.AddAPIKey(h.apiKey, true)
	if r := h.do(http.MethodGet, "/scim/v2/Users?filter="+entraFilter(`userName eq "ann@contoso.com"`), nil); r.Status != http.StatusOK {
		t.Fatalf("lookup with the key back: %d %s", r.Status, r.Body)
	}
	clock.Add(25 * time.Hour)
	h.emu.ResetCalls()
	tick()
	if n := checks(); n != 0 {
		t.Errorf("%d key checks for a tenant idle for a day", n)
	}
}

// TestTenantGauges: fsscim_tenant_up is reported for every tenant of the folder, the last request's
// time once the tenant called.
func TestTenantGauges(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, withServer(func(o *proxy.Options) { o.Now = clock.Now }))
	metrics := string(h.doAdmin("/metrics").Body)
	if !strings.Contains(metrics, `fsscim_tenant_up{tenant="acme.freshservice.com"} 1`) ||
		strings.Contains(metrics, "fsscim_tenant_last_request_timestamp_seconds{") {
		t.Errorf("before any request:\n%s", proxytest.GrepLines(metrics, "fsscim_tenant_"))
	}
	h.warmIndex()
	metrics = string(h.doAdmin("/metrics").Body)
	m := regexp.MustCompile(`(?m)^fsscim_tenant_last_request_timestamp_seconds\{tenant="acme\.freshservice\.com"\} (\S+)$`).FindStringSubmatch(metrics)
	if m == nil {
		t.Fatalf("no last request gauge after a request:\n%s", proxytest.GrepLines(metrics, "fsscim_tenant_"))
	}
	if got, err := strconv.ParseFloat(m[1], 64); err != nil || int64(got) != clock.Now().Unix() {
		t.Errorf("last request at %s, want %d", m[1], clock.Now().Unix())
	}
}

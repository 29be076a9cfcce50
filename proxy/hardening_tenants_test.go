package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store"
)

// Tenant isolation: one fsscim serves many Freshservice accounts, and the token is the only thing
// that picks one. A token of tenant A must never read or change tenant B, whatever ids, emails or
// names the two accounts share.

// hdTenant is one emulated Freshservice account with its tenant file and token.
type hdTenant struct {
	domain string
	emu    *freshservicetest.Emulator
	emuURL string
	apiKey string
	token  string
	file   string
}

// hdMulti runs one fsscim for several tenants, with the tenant folder watched as `fsscim serve` does.
type hdMulti struct {
	t       *testing.T
	srv     *proxy.Server
	http    *httptest.Server
	keys    *config.Keyring
	dir     string
	watcher *config.Watcher
	logs    *proxytest.LogBuffer
	tenants map[string]*hdTenant
}

// newMulti starts fsscim with a tenant per domain; apiKeys gives each tenant's API key (all may be
// the same string, as when one admin's key is pasted into two tokens).
func hdNewMulti(t *testing.T, apiKeys map[string]string) *hdMulti {
	t.Helper()
	dir := t.TempDir()
	tenantDir := filepath.Join(dir, "tenants")
	if err := os.MkdirAll(tenantDir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, keys := proxytest.NewKeys(t)
	m := &hdMulti{t: t, keys: keys, dir: tenantDir, logs: &proxytest.LogBuffer{}, tenants: map[string]*hdTenant{}}
	for domain, apiKey := range apiKeys {
		emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
		t.Cleanup(emuSrv.Close)
		emu.AddAPIKey(apiKey, true)
		token := proxytest.Seal(t, keys, domain, apiKey)
		tn := &hdTenant{domain: domain, emu: emu, emuURL: emuSrv.URL, apiKey: apiKey, token: token,
			file: filepath.Join(tenantDir, strings.Split(domain, ".")[0]+".yaml")}
		m.tenants[domain] = tn
		m.writeTenant(tn, tn.emuURL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m.watcher = config.NewWatcher(tenantDir, config.WatchOptions{Load: config.LoadOptions{AllowAPIURL: true}, Interval: 50 * time.Millisecond})
	if err := m.watcher.Start(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenBolt(filepath.Join(dir, "fsscim.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// Registered first, so run last: after the server has closed and logged all it will.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("fsscim log:\n%s", m.logs.String())
		}
	})
	m.srv, m.http = serveProxy(t, proxy.Options{
		Tenants: m.watcher.Current,
		Keys:    keys,
		Store:   db,
		Logger:  redactingLogger(m.logs, zap.DebugLevel),
		Backoff: func(int) time.Duration { return 0 },
	})
	return m
}

func (m *hdMulti) writeTenant(tn *hdTenant, emuURL string) {
	m.t.Helper()
	yaml := "domain: " + tn.domain + "\napi_url: " + emuURL + "/api/v2\ndepartments: {create_missing: false}\n"
	if err := os.WriteFile(tn.file, []byte(yaml), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

func (m *hdMulti) do(token, method, path string, body any) response {
	m.t.Helper()
	return send(m.t, http.DefaultClient, scimRequest(m.t, method, m.http.URL+path, body, "Bearer "+token))
}

func (m *hdMulti) ids(r response) []string {
	m.t.Helper()
	if r.Status != http.StatusOK {
		m.t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	return hdListIDs(m.t, r)
}

// TestTenantIsolation runs tenant A's token against every kind of request while tenant B holds users
// and groups with the same ids, and checks that nothing of B is read or changed.
func TestTenantIsolation(t *testing.T) {
	for _, sharedKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("same API key string %t", sharedKey), func(t *testing.T) {
			keys := map[string]string{"alpha.freshservice.com": "alpha-key-1111", "beta.freshservice.com": "beta-key-2222"}
			if sharedKey {
				keys["beta.freshservice.com"] = "alpha-key-1111"
			}
			m := hdNewMulti(t, keys)
			a, b := m.tenants["alpha.freshservice.com"], m.tenants["beta.freshservice.com"]
			// Both accounts number their records alike, so A's and B's users and groups share ids.
			annA := a.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@alpha.example", JobTitle: "Alpha"})
			bobB := b.emu.AddRequester(freshservice.User{FirstName: "Bob", PrimaryEmail: "bob@beta.example", JobTitle: "Beta"})
			if annA.ID != bobB.ID {
				t.Fatalf("the accounts' ids differ (%d, %d); the test needs them to collide", annA.ID, bobB.ID)
			}
			salesB := b.emu.AddRequesterGroup("Sales", false)
			b.emu.AddDepartment("Finance")
			id := fmt.Sprint(annA.ID)

			// B is used first, so that its caches and index are warm.
			if got := m.ids(m.do(b.token, http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "bob@beta.example"`), nil)); len(got) != 1 {
				t.Fatalf("B's own lookup finds %q", got)
			}
			if r := m.do(b.token, http.MethodGet, "/scim/v2/Users/"+id, nil); r.Status != http.StatusOK || r.JSON(t)["userName"] != "bob@beta.example" {
				t.Fatalf("B reads its user: %d %s", r.Status, r.Body)
			}
			b.emu.ResetCalls()

			// A's token, by B's email, B's id, B's group name and B's department.
			if got := m.ids(m.do(a.token, http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "bob@beta.example"`), nil)); len(got) != 0 {
				t.Fatalf("A's lookup of B's email finds %q", got)
			}
			if r := m.do(a.token, http.MethodGet, "/scim/v2/Users/"+id, nil); r.Status != http.StatusOK || r.JSON(t)["userName"] != "ann@alpha.example" {
				t.Fatalf("A's read of the shared id: %d %s", r.Status, r.Body)
			}
			if got := m.ids(m.do(a.token, http.MethodGet, "/scim/v2/Groups?excludedAttributes=members&filter="+hdFilter(`displayName eq "Sales"`), nil)); len(got) != 0 {
				t.Fatalf("A's group lookup finds B's group: %q", got)
			}
			if r := m.do(a.token, http.MethodGet, fmt.Sprintf("/scim/v2/Groups/%d", salesB.ID), nil); r.Status != http.StatusNotFound {
				t.Fatalf("A reads B's group id: %d %s", r.Status, r.Body)
			}
			body := entraUserBody("new@alpha.example")
			body[hdEnterpriseURN] = map[string]any{"department": "Finance"}
			if r := m.do(a.token, http.MethodPost, "/scim/v2/Users", body); r.Status != http.StatusBadRequest {
				t.Fatalf("A's create with B's department: %d %s", r.Status, r.Body)
			}
			if r := m.do(a.token, http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", "title", "Changed by A"))); r.Status != http.StatusOK {
				t.Fatalf("A's patch: %d %s", r.Status, r.Body)
			}
			if r := m.do(a.token, http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", salesB.ID), userPatchBody(hdMembers("Add", annA.ID))); r.Status != http.StatusNotFound {
				t.Fatalf("A's patch of B's group id: %d %s", r.Status, r.Body)
			}
			if r := m.do(a.token, http.MethodDelete, "/scim/v2/Users/"+id, nil); r.Status != http.StatusNoContent {
				t.Fatalf("A's delete: %d %s", r.Status, r.Body)
			}

			if calls := b.emu.Calls(); len(calls) != 0 {
				t.Fatalf("A's requests reached B's Freshservice: %v", calls)
			}
			if u, _ := b.emu.User(bobB.ID); !u.Active || u.JobTitle != "Beta" {
				t.Fatalf("B's user was changed: %+v", u)
			}
			if u, _ := a.emu.User(annA.ID); u.Active || u.JobTitle != "Changed by A" {
				t.Fatalf("A's user: %+v", u)
			}
			if _, ok := b.emu.RequesterGroup(salesB.ID); !ok || len(b.emu.RequesterGroupMembers(salesB.ID)) != 0 {
				t.Fatalf("B's group was changed")
			}
			// A deleted its user with the shared id: B's user with that id is not deleted for fsscim.
			if r := m.do(b.token, http.MethodGet, "/scim/v2/Users/"+id, nil); r.Status != http.StatusOK || r.JSON(t)["userName"] != "bob@beta.example" {
				t.Fatalf("B's read after A's delete: %d %s", r.Status, r.Body)
			}
			if got := m.ids(m.do(b.token, http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "bob@beta.example"`), nil)); len(got) != 1 {
				t.Fatalf("B's lookup after A's delete finds %q", got)
			}
		})
	}
}

// TestTenantKeyVerdictIsPerTenant: Freshservice accepting an API key in A's account says nothing about
// B's, even when both tokens carry the same key string: B's lookups must not be answered from B's
// index on the strength of A's verdict.
func TestTenantKeyVerdictIsPerTenant(t *testing.T) {
	m := hdNewMulti(t, map[string]string{"alpha.freshservice.com": "same-key-3333", "beta.freshservice.com": "same-key-3333"})
	a, b := m.tenants["alpha.freshservice.com"], m.tenants["beta.freshservice.com"]
	lookup := "/scim/v2/Users?filter=" + hdFilter(`userName eq "nobody@example.com"`)
	if r := m.do(a.token, http.MethodGet, lookup, nil); r.Status != http.StatusOK {
		t.Fatalf("A: %d %s", r.Status, r.Body)
	}
	// B's admin revoked the key in B's account (its agent deactivated).
	b.emu.Deactivate(b.emu.AddAPIKey("same-key-3333", true).ID)
	for i := 0; i < 2; i++ {
		r := m.do(b.token, http.MethodGet, lookup, nil)
		hdAssertSCIMError(t, r, http.StatusUnauthorized, "")
	}
	if r := m.do(a.token, http.MethodGet, lookup, nil); r.Status != http.StatusOK {
		t.Fatalf("A after B's revocation: %d %s", r.Status, r.Body)
	}
}

// TestRemovedTenantFileStopsItsTokens: a token for a domain whose tenant file was removed stops working
// at the next reload, without a call to that tenant's Freshservice; the other tenants keep working,
// and putting the file back brings the token back.
func TestRemovedTenantFileStopsItsTokens(t *testing.T) {
	m := hdNewMulti(t, map[string]string{"alpha.freshservice.com": "alpha-key-1111", "beta.freshservice.com": "beta-key-2222"})
	a, b := m.tenants["alpha.freshservice.com"], m.tenants["beta.freshservice.com"]
	b.emu.AddRequester(freshservice.User{FirstName: "Bob", PrimaryEmail: "bob@beta.example"})
	lookup := "/scim/v2/Users?filter=" + hdFilter(`userName eq "bob@beta.example"`)
	if got := m.ids(m.do(b.token, http.MethodGet, lookup, nil)); len(got) != 1 {
		t.Fatalf("B before the removal finds %q", got)
	}

	if err := os.Remove(b.file); err != nil {
		t.Fatal(err)
	}
	hdWaitFor(t, 10*time.Second, "the watcher drops B", func() bool {
		_, ok := m.watcher.Current().Lookup(b.domain)
		return !ok
	})
	b.emu.ResetCalls()
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, lookup}, {http.MethodGet, "/scim/v2/Users/1"}, {http.MethodPost, "/scim/v2/Users"}, {http.MethodDelete, "/scim/v2/Users/21000000002"},
	} {
		var body any
		if req.method == http.MethodPost {
			body = entraUserBody("late@beta.example")
		}
		r := m.do(b.token, req.method, req.path, body)
		hdAssertSCIMError(t, r, http.StatusUnauthorized, "")
	}
	if calls := b.emu.Calls(); len(calls) != 0 {
		t.Fatalf("a token of a removed tenant reached its Freshservice: %v", calls)
	}
	if r := m.do(a.token, http.MethodGet, lookup, nil); r.Status != http.StatusOK {
		t.Fatalf("A after B's removal: %d %s", r.Status, r.Body)
	}

	m.writeTenant(b, b.emuURL)
	hdWaitFor(t, 10*time.Second, "the watcher loads B again", func() bool {
		_, ok := m.watcher.Current().Lookup(b.domain)
		return ok
	})
	if got := m.ids(m.do(b.token, http.MethodGet, lookup, nil)); len(got) != 1 {
		t.Fatalf("B after the file is back finds %q", got)
	}
}

// TestTenantMovedToAnotherAccount: a tenant file whose api_url changes (a sandbox swapped for the
// production account) must not keep answering from what fsscim learnt of the old account: its
// directory index, department names and recently read users belong to that account.
func TestTenantMovedToAnotherAccount(t *testing.T) {
	m := hdNewMulti(t, map[string]string{"alpha.freshservice.com": "alpha-key-1111"})
	a := m.tenants["alpha.freshservice.com"]
	old := a.emu.AddRequester(freshservice.User{FirstName: "Old", PrimaryEmail: "old@alpha.example", JobTitle: "Sandbox"})
	a.emu.AddDepartment("Sandbox Only")
	lookup := func(email string) []string {
		return m.ids(m.do(a.token, http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "`+email+`"`), nil))
	}
	if got := lookup("old@alpha.example"); len(got) != 1 {
		t.Fatalf("lookup in the first account finds %q", got)
	}
	body := entraUserBody("dept@alpha.example")
	body[hdEnterpriseURN] = map[string]any{"department": "Sandbox Only"}
	if r := m.do(a.token, http.MethodPost, "/scim/v2/Users", body); r.Status != http.StatusCreated {
		t.Fatalf("create in the first account: %d %s", r.Status, r.Body)
	}

	// The production account: same key (its admin's), other users.
	prod, prodSrv := freshservicetest.NewServer(freshservicetest.Options{})
	t.Cleanup(prodSrv.Close)
	prod.AddAPIKey(a.apiKey, true)
	// Ids of its own, so that no answer can be right by coincidence.
	for i := 0; i < 5; i++ {
		prod.AddDepartment(fmt.Sprintf("Padding %d", i))
	}
	fresh := prod.AddRequester(freshservice.User{FirstName: "New", PrimaryEmail: "new@alpha.example"})
	m.writeTenant(a, prodSrv.URL)
	hdWaitFor(t, 10*time.Second, "the watcher loads the new api_url", func() bool {
		tn, ok := m.watcher.Current().Lookup(a.domain)
		return ok && strings.HasPrefix(tn.BaseURL(), prodSrv.URL)
	})
	a.emu.ResetCalls()

	if got := lookup("old@alpha.example"); len(got) != 0 {
		t.Errorf("lookup after the move finds the old account's user: %q", got)
	}
	if got := lookup("new@alpha.example"); len(got) != 1 || got[0] != fmt.Sprint(fresh.ID) {
		t.Errorf("lookup after the move finds %q, want [%d]", got, fresh.ID)
	}
	if r := m.do(a.token, http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", old.ID), nil); r.Status == http.StatusOK && r.JSON(t)["userName"] == "old@alpha.example" {
		t.Errorf("GET after the move answers the old account's user: %s", r.Body)
	}
	body = entraUserBody("dept2@alpha.example")
	body[hdEnterpriseURN] = map[string]any{"department": "Sandbox Only"}
	if r := m.do(a.token, http.MethodPost, "/scim/v2/Users", body); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "does not exist") {
		t.Errorf("create with a department only the old account has: %d %s", r.Status, r.Body)
	}
	if got := hdUsersWithEmailIn(prod, "dept2@alpha.example"); got != 0 {
		t.Errorf("the create with the old account's department made a user")
	}
	if calls := a.emu.Calls(); len(calls) != 0 {
		t.Errorf("requests after the move reached the old account: %v", calls)
	}
}

func hdUsersWithEmailIn(emu *freshservicetest.Emulator, email string) int {
	n := 0
	for _, u := range emu.Users() {
		if strings.EqualFold(u.Mail(), email) {
			n++
		}
	}
	return n
}

package proxy_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store/redistest"
)

// isoTenant is one Freshservice account of the isolation test, with its own emulator.
type isoTenant struct {
	domain string
	emu    *freshservicetest.Emulator
	token  string
	user   freshservice.User
	dept   freshservice.Department
}

// TestRedisKeepsTenantsWithCollidingIdsApart: two Freshservice accounts number their objects alike, so
// a user, a department and a group of one have the same ids as those of the other. Two replicas share
// their records through one real Redis. A disable through one replica and the enable through the other
// restores each tenant's own department, never the other's, and neither tenant's record overwrites
// the other's; group records (Entra's externalId) stay apart as well.
func TestRedisKeepsTenantsWithCollidingIdsApart(t *testing.T) {
	rds := redistest.Start(t)
	dir := t.TempDir()
	tenantDir := filepath.Join(dir, "tenants")
	if err := os.MkdirAll(tenantDir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, keys := proxytest.NewKeys(t)
	const apiKey = "isolation-api-key-71c3"
	tenants := map[string]*isoTenant{}
	for _, tn := range []struct{ name, dept, other, email string }{
		{"alpha", "Sales", "Alpha Padding", "ann@alpha.example"},
		{"beta", "Beta Padding", "Engineering", "bob@beta.example"},
	} {
		emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
		t.Cleanup(emuSrv.Close)
		emu.AddAPIKey(apiKey, true)
		// The same sequence of objects in both accounts gives them the same ids; the department each
		// user belongs to is the first in alpha and the second in beta, so a record restored into the
		// wrong tenant shows.
		first, second := emu.AddDepartment(tn.dept), emu.AddDepartment(tn.other)
		dept := first
		if tn.name == "beta" {
			dept = second
		}
		u := emu.AddRequester(freshservice.User{FirstName: tn.name, LastName: "User", PrimaryEmail: tn.email, DepartmentIDs: []int64{dept.ID}})
		domain := tn.name + ".freshservice.com"
		file := fmt.Sprintf("domain: %s\napi_url: %s/api/v2\n", domain, emuSrv.URL)
		if err := os.WriteFile(filepath.Join(tenantDir, tn.name+".yaml"), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		token := proxytest.Seal(t, keys, domain, apiKey)
		tenants[tn.name] = &isoTenant{domain: domain, emu: emu, token: token, user: u, dept: dept}
	}
	alpha, beta := tenants["alpha"], tenants["beta"]
	if alpha.user.ID != beta.user.ID || alpha.dept.ID == beta.dept.ID {
		t.Fatalf("the accounts do not collide as the test needs: users %d/%d, departments %d/%d",
			alpha.user.ID, beta.user.ID, alpha.dept.ID, beta.dept.ID)
	}
	set, err := config.LoadDir(tenantDir, config.LoadOptions{AllowAPIURL: true})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, clock: freshservicetest.NewClock(time.Now()), redis: rds}
	for i := range 2 {
		c.replicas = append(c.replicas, c.newReplica(filepath.Join(dir, fmt.Sprintf("replica-%d", i)), set, keys, rds.Client(), nil))
	}
	c.settle()
	do := func(replica int, tn *isoTenant, method, path string, body any) response {
		t.Helper()
		h := &harness{t: t, http: c.replicas[replica].http, token: tn.token}
		return h.do(method, path, body)
	}
	active := func(v bool) map[string]any {
		return map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": v}},
		}
	}
	userPath := fmt.Sprintf("/scim/v2/Users/%d", alpha.user.ID) // the same path in both tenants

	// Both disabled through replica 0: each tenant's record of its department goes to Redis.
	for _, tn := range []*isoTenant{alpha, beta} {
		if r := do(0, tn, http.MethodPatch, userPath, active(false)); r.Status != http.StatusOK {
			t.Fatalf("disable in %s: %d %s", tn.domain, r.Status, r.Body)
		}
		if u, _ := tn.emu.User(tn.user.ID); u.Active {
			t.Fatalf("%s: the user is still active after the disable", tn.domain)
		}
	}
	// Enabled through replica 1, which recorded nothing itself: Freshservice reactivates without the
	// department, and each tenant's record puts its own back.
	for _, tn := range []*isoTenant{alpha, beta} {
		if r := do(1, tn, http.MethodPatch, userPath, active(true)); r.Status != http.StatusOK {
			t.Fatalf("enable in %s: %d %s", tn.domain, r.Status, r.Body)
		}
		u, _ := tn.emu.User(tn.user.ID)
		if !u.Active || !slices.Equal(u.DepartmentIDs, []int64{tn.dept.ID}) {
			t.Errorf("%s: after the enable active %v, departments %v; want its own department [%d]", tn.domain, u.Active, u.DepartmentIDs, tn.dept.ID)
		}
	}

	// Groups with the same id in both accounts keep their own externalId.
	ids := map[*isoTenant]string{}
	for _, tn := range []*isoTenant{alpha, beta} {
		r := do(0, tn, http.MethodPost, "/scim/v2/Groups", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Team " + tn.domain, "externalId": "entra-" + tn.domain,
		})
		if r.Status != http.StatusCreated {
			t.Fatalf("create group in %s: %d %s", tn.domain, r.Status, r.Body)
		}
		ids[tn], _ = r.JSON(t)["id"].(string)
	}
	if ids[alpha] != ids[beta] {
		t.Fatalf("the groups do not collide as the test needs: %s/%s", ids[alpha], ids[beta])
	}
	for _, tn := range []*isoTenant{alpha, beta} {
		r := do(1, tn, http.MethodGet, "/scim/v2/Groups/"+ids[tn], nil)
		if r.Status != http.StatusOK || r.JSON(t)["externalId"] != "entra-"+tn.domain {
			t.Errorf("group read in %s through the other replica: %d %s; want externalId entra-%s", tn.domain, r.Status, r.Body, tn.domain)
		}
	}
}

package proxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
)

// TestTenantsOfOneShapeShareTheirSurface guards what keeps ten thousand tenants small: tenants whose
// files agree on custom attributes and group target get one and the same surface (SCIM schemas,
// discovery server, dialect schemas with their path memo), whatever else their files say; a tenant
// with other attributes, or another group target, gets its own, which serves its own attributes.
func TestTenantsOfOneShapeShareTheirSurface(t *testing.T) {
	sfs := newSurfaces(zap.NewNop())
	tenant := func(domain, target string, attrs map[string]string) *config.Tenant {
		return &config.Tenant{Domain: domain, Groups: config.GroupPolicy{Target: target}, Attributes: attrs,
			RateLimit: config.RateLimit{PerMinute: len(domain)}, DryRun: strings.HasPrefix(domain, "b")}
	}
	of := func(ct *config.Tenant) *surface {
		t.Helper()
		sf, err := sfs.of(ct)
		if err != nil {
			t.Fatal(err)
		}
		return sf
	}
	custom := map[string]string{"shoeSize": "shoe_size", "deskNumber": "desk_no"}
	a := of(tenant("a.freshservice.com", config.GroupTargetRequesterGroups, custom))
	// The same attributes written in another order, and a file that differs in everything else.
	b := of(tenant("b.freshservice.com", config.GroupTargetRequesterGroups,
		map[string]string{"deskNumber": "desk_no", "shoeSize": "shoe_size"}))
	c := of(tenant("c.freshservice.com", config.GroupTargetRequesterGroups, map[string]string{"badge": "badge_no"}))
	d := of(tenant("d.freshservice.com", config.GroupTargetAgentGroups, custom))

	if a != b {
		t.Fatal("two tenants of one shape got two surfaces")
	}
	if c == a || d == a || c == d {
		t.Fatal("tenants of other shapes share a surface with a tenant they differ from")
	}
	if !c.users.known.Known("urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badge") ||
		a.users.known.Known("urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badge") {
		t.Error("a surface knows attributes of another shape's tenant file")
	}
	// Each surface's discovery documents describe its own shape.
	get := func(sf *surface, path string) string {
		rec := httptest.NewRecorder()
		sf.discovery.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/scim/v2/"+path, nil))
		return rec.Body.String()
	}
	if body := get(c, "Schemas"); !strings.Contains(body, `"badge"`) || strings.Contains(body, `"shoeSize"`) {
		t.Errorf("the third tenant's /Schemas does not describe its own attributes:\n%s", body)
	}
	if body := get(a, "Schemas"); !strings.Contains(body, `"shoeSize"`) || strings.Contains(body, `"badge"`) {
		t.Errorf("the first tenant's /Schemas does not describe its own attributes:\n%s", body)
	}
	if body := get(d, "ResourceTypes"); !strings.Contains(body, "agent group") {
		t.Errorf("the fourth tenant's /ResourceTypes does not serve agent groups:\n%s", body)
	}
	if body := get(a, "ResourceTypes"); !strings.Contains(body, "requester group") {
		t.Errorf("the first tenant's /ResourceTypes does not serve requester groups:\n%s", body)
	}
	if n := sfs.cache.Len(); n != 3 {
		t.Errorf("%d surfaces built for 3 shapes", n)
	}
}

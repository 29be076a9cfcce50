package provision

import (
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/store/budget"
)

// TestUserSearchIsMadeOnFirstFilterAndShared: a tenant holds no user filter catalog until a request
// of it filters users; tenants whose files name the same custom attributes (in any order) then share
// one catalog, and a tenant with other attributes gets its own, which knows its attributes.
func TestUserSearchIsMadeOnFirstFilterAndShared(t *testing.T) {
	reg := NewRegistry(Deps{Log: zap.NewNop(), Now: time.Now,
		NewBudget: func(*config.Tenant) budget.Budget { return budget.New(budget.Options{}) }})
	defer reg.Close()
	session := func(domain string, attrs map[string]string) *Session {
		t.Helper()
		s, err := reg.Tenant(&config.Tenant{Domain: domain, Attributes: attrs}).Session("key-"+domain, "request", zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := session("a.freshservice.com", map[string]string{"shoeSize": "shoe_size", "deskNumber": "desk_no"})
	b := session("b.freshservice.com", map[string]string{"deskNumber": "desk_no", "shoeSize": "shoe_size"})
	c := session("c.freshservice.com", map[string]string{"badge": "badge_no"})
	if n := len(reg.searches); n != 0 {
		t.Fatalf("%d user filter catalogs made before any filter", n)
	}
	for _, s := range []*Session{a, b, c} {
		if _, err := s.CompileUserFilter(`userName eq "ada@example.com"`); err != nil {
			t.Fatal(err)
		}
	}
	if a.userSearch() != b.userSearch() || a.userSearch() == c.userSearch() || len(reg.searches) != 2 {
		t.Fatalf("catalogs not shared by shape: %d made for 2 shapes", len(reg.searches))
	}
	if _, err := c.CompileUserFilter(`urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badge eq "7"`); err != nil {
		t.Errorf("a tenant's own attribute: %v", err)
	}
	if _, err := a.CompileUserFilter(`urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badge eq "7"`); err == nil {
		t.Error("a tenant filters on another shape's attribute")
	}
}

package freshservicetest

import (
	"net/http"
	"testing"
)

// TestRolesListTheAccountsRoles: GET /roles answers the default roles with their types, and roles
// added for a test; a non-admin key may not read them.
func TestRolesListTheAccountsRoles(t *testing.T) {
	f := newFixture(t, Options{})
	custom := f.e.AddRole("Onboarding Admin", true)
	got := map[float64]map[string]any{}
	for _, r := range f.do(http.MethodGet, "/api/v2/roles", nil).must(t, http.StatusOK).list(t, "roles") {
		got[r["id"].(float64)] = r
	}
	for _, want := range []struct {
		id       int64
		name     string
		roleType float64
		builtin  bool
	}{
		{AccountAdminRoleID, "Account Admin", 1, true},
		{AdminRoleID, "Admin", 1, true},
		{SDAgentRoleID, "SD Agent", 2, true},
		{custom, "Onboarding Admin", 1, false},
	} {
		r, ok := got[float64(want.id)]
		if !ok || r["name"] != want.name || r["role_type"] != want.roleType || r["default"] != want.builtin {
			t.Errorf("role %d = %v, want %s of type %v (default %v)", want.id, r, want.name, want.roleType, want.builtin)
		}
	}
	if one := f.do(http.MethodGet, path("/api/v2/roles/{id}", AccountAdminRoleID), nil).must(t, http.StatusOK).inner(t, "role"); one["name"] != "Account Admin" {
		t.Errorf("GET /roles/{id}: %v", one)
	}
	f.do(http.MethodGet, "/api/v2/roles", nil, withKey(plainKey)).must(t, http.StatusForbidden)
}

// TestKeyRightsFollowItsOwnersRoles: /agents/me names the key's owner, and the key can do what the
// owner can: taking the owner's admin role away takes the key's admin rights with it.
func TestKeyRightsFollowItsOwnersRoles(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.e.AddAPIKey("owner-key", true)
	me := f.do(http.MethodGet, "/api/v2/agents/me", nil, withKey("owner-key")).must(t, http.StatusOK).inner(t, "agent")
	if me["id"] != float64(owner.ID) {
		t.Fatalf("/agents/me answered agent %v, the key's owner is %d", me["id"], owner.ID)
	}
	f.do(http.MethodGet, "/api/v2/agents", nil, withKey("owner-key")).must(t, http.StatusOK)
	f.do(http.MethodPut, path("/api/v2/agents/{id}", owner.ID), map[string]any{
		"roles": []any{map[string]any{"role_id": SDAgentRoleID, "assignment_scope": "entire_helpdesk"}},
	}).must(t, http.StatusOK)
	f.do(http.MethodGet, "/api/v2/agents", nil, withKey("owner-key")).must(t, http.StatusForbidden)
	// A custom admin role gives the rights back.
	role := f.e.AddRole("Onboarding Admin", true)
	f.do(http.MethodPut, path("/api/v2/agents/{id}", owner.ID), map[string]any{
		"roles": []any{map[string]any{"role_id": role, "assignment_scope": "entire_helpdesk"}},
	}).must(t, http.StatusOK)
	f.do(http.MethodGet, "/api/v2/agents", nil, withKey("owner-key")).must(t, http.StatusOK)
}

package freshservicetest

import (
	"net/http"
	"testing"
)

// TestRolesNameTheAccountAdmin: GET /roles lists the role an admin key's owner holds as "Account
// Admin"; a non-admin key may not read the roles.
func TestRolesNameTheAccountAdmin(t *testing.T) {
	f := newFixture(t, Options{})
	me := f.do(http.MethodGet, "/api/v2/agents/me", nil).must(t, http.StatusOK).inner(t, "agent")
	held := me["roles"].([]any)[0].(map[string]any)["role_id"]
	names := map[float64]string{}
	for _, r := range f.do(http.MethodGet, "/api/v2/roles", nil).must(t, http.StatusOK).list(t, "roles") {
		names[r["id"].(float64)] = r["name"].(string)
	}
	if names[held.(float64)] != "Account Admin" {
		t.Fatalf("the admin key's role %v is %q among %v", held, names[held.(float64)], names)
	}
	f.do(http.MethodGet, "/api/v2/roles", nil, withKey(plainKey)).must(t, http.StatusForbidden)
}

// TestUserFieldsListCustomFields: the account's custom fields appear in both field lists, after the
// built-in ones.
func TestUserFieldsListCustomFields(t *testing.T) {
	f := newFixture(t, Options{CustomFields: []CustomField{{Name: "cost_center", Type: CustomText}}})
	for _, key := range []string{"requester_fields", "agent_fields"} {
		var names []string
		for _, fl := range f.do(http.MethodGet, "/api/v2/"+key, nil).must(t, http.StatusOK).list(t, key) {
			names = append(names, fl["name"].(string))
		}
		if len(names) < 2 || names[0] != "first_name" || names[len(names)-1] != "cost_center" {
			t.Errorf("%s: %v", key, names)
		}
	}
	f.do(http.MethodGet, "/api/v2/requester_fields", nil, withKey(plainKey)).must(t, http.StatusOK)
	f.do(http.MethodGet, "/api/v2/agent_fields", nil, withKey(plainKey)).must(t, http.StatusForbidden)
}

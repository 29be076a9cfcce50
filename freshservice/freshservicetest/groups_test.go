package freshservicetest

import (
	"net/http"
	"slices"
	"testing"
)

func TestRequesterGroupCRUD(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.do(http.MethodPost, "/api/v2/requester_groups", map[string]any{"name": "Staff", "description": "All staff"}).must(t, http.StatusCreated)
	g := r.inner(t, "requester_group")
	gid := id(t, g)
	if g["type"] != "manual" || r.Header.Get("Location") != f.srv.URL+path("/api/v2/requester_groups/{id}", gid) {
		t.Errorf("created %v, Location %q", g, r.Header.Get("Location"))
	}
	f.do(http.MethodPost, "/api/v2/requester_groups", map[string]any{"name": "staff"}).must(t, http.StatusConflict)
	f.do(http.MethodPost, "/api/v2/requester_groups", map[string]any{"name": "X", "type": "rule_based"}).must(t, http.StatusBadRequest)
	got := f.do(http.MethodPut, path("/api/v2/requester_groups/{id}", gid), map[string]any{"name": "Employees"}).must(t, http.StatusOK).inner(t, "requester_group")
	if got["name"] != "Employees" || got["description"] != "All staff" {
		t.Errorf("updated %v", got)
	}
	if n := len(f.do(http.MethodGet, "/api/v2/requester_groups", nil).must(t, http.StatusOK).list(t, "requester_groups")); n != 1 {
		t.Errorf("listed %d groups", n)
	}
	f.do(http.MethodDelete, path("/api/v2/requester_groups/{id}", gid), nil).must(t, http.StatusNoContent)
	f.do(http.MethodGet, path("/api/v2/requester_groups/{id}", gid), nil).must(t, http.StatusNotFound)
}

func TestRequesterGroupMembership(t *testing.T) {
	f := newFixture(t, Options{})
	manual := f.e.AddRequesterGroup("Staff", false)
	rule := f.e.AddRequesterGroup("Everyone in Sales", true)
	ann := f.createRequester(map[string]any{"first_name": "Ann", "last_name": "Lee", "primary_email": "ann@x.com"})
	gone := f.createRequester(map[string]any{"first_name": "Old", "primary_email": "old@x.com"})
	f.do(http.MethodDelete, path("/api/v2/requesters/{id}", gone), nil).must(t, http.StatusNoContent)
	agent := f.createAgent("Bea", "bea@x.com")
	members := "/api/v2/requester_groups/{id}/members/{id}"

	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantCode   string
	}{
		{"add requester", http.MethodPost, path(members, manual.ID, ann), http.StatusOK, ""},
		{"add twice", http.MethodPost, path(members, manual.ID, ann), http.StatusBadRequest, codeDuplicateValue},
		{"add agent", http.MethodPost, path(members, manual.ID, agent), http.StatusBadRequest, codeInvalidValue},
		{"add deactivated", http.MethodPost, path(members, manual.ID, gone), http.StatusBadRequest, codeInvalidValue},
		{"add unknown user", http.MethodPost, path(members, manual.ID, 99), http.StatusNotFound, ""},
		{"add to unknown group", http.MethodPost, path(members, 99, ann), http.StatusNotFound, ""},
		{"add to rule-based", http.MethodPost, path(members, rule.ID, ann), http.StatusBadRequest, codeInvalidValue},
		{"update rule-based", http.MethodPut, path("/api/v2/requester_groups/{id}", rule.ID), http.StatusBadRequest, codeInvalidValue},
		{"remove from rule-based", http.MethodDelete, path(members, rule.ID, ann), http.StatusBadRequest, codeInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == http.MethodPut {
				body = map[string]any{"name": "Renamed"}
			}
			r := f.do(tt.method, tt.path, body).must(t, tt.wantStatus)
			switch {
			case tt.wantCode != "":
				if errs := r.fieldErrors(t); len(errs) != 1 || errs[0].Code != tt.wantCode {
					t.Errorf("errors %+v, want code %s", errs, tt.wantCode)
				}
			case tt.wantStatus == http.StatusOK && len(r.Body) != 0:
				t.Errorf("add answered a body: %q", r.Body)
			}
		})
	}
	list := f.do(http.MethodGet, path("/api/v2/requester_groups/{id}/members", manual.ID), nil).must(t, http.StatusOK).list(t, "requesters")
	want := map[string]any{"id": float64(ann), "first_name": "Ann", "last_name": "Lee", "email": "ann@x.com"}
	if len(list) != 1 || len(list[0]) != len(want) || list[0]["email"] != want["email"] || list[0]["id"] != want["id"] || list[0]["last_name"] != "Lee" {
		t.Errorf("members = %v, want [%v]", list, want)
	}
	if g, _ := f.e.RequesterGroup(rule.ID); g.Name != "Everyone in Sales" {
		t.Errorf("rule-based group renamed: %+v", g)
	}
	f.do(http.MethodDelete, path(members, manual.ID, ann), nil).must(t, http.StatusNoContent)
	f.do(http.MethodDelete, path(members, manual.ID, ann), nil).must(t, http.StatusNotFound)
	if got := f.e.RequesterGroupMembers(manual.ID); len(got) != 0 {
		t.Errorf("members after removal = %v", got)
	}
}

func TestAgentGroupWholeListMembership(t *testing.T) {
	f := newFixture(t, Options{})
	a1 := f.createAgent("A", "a@x.com")
	a2 := f.createAgent("B", "b@x.com")
	req := f.createRequester(map[string]any{"first_name": "R", "primary_email": "r@x.com"})
	r := f.do(http.MethodPost, "/api/v2/groups", map[string]any{"name": "Tier 1", "members": []int64{a1}}).must(t, http.StatusCreated)
	gid := id(t, r.inner(t, "group"))

	tests := []struct {
		name       string
		body       map[string]any
		wantStatus int
		want       []int64
	}{
		{"replace with both", map[string]any{"members": []int64{a2, a1}}, http.StatusOK, []int64{a1, a2}},
		{"requester refused", map[string]any{"members": []int64{a1, req}}, http.StatusBadRequest, []int64{a1, a2}},
		{"deprecated agent_ids", map[string]any{"agent_ids": []int64{a1}}, http.StatusBadRequest, []int64{a1, a2}},
		{"other field keeps members", map[string]any{"description": "first line"}, http.StatusOK, []int64{a1, a2}},
		{"empty list empties", map[string]any{"members": []int64{}}, http.StatusOK, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.do(http.MethodPut, path("/api/v2/groups/{id}", gid), tt.body).must(t, tt.wantStatus)
			if g, _ := f.e.AgentGroup(gid); !slices.Equal(g.Members, tt.want) {
				t.Errorf("members = %v, want %v", g.Members, tt.want)
			}
		})
	}
	f.do(http.MethodPut, path("/api/v2/groups/{id}", gid), map[string]any{"members": []int64{a2}}).must(t, http.StatusOK)
	agent := f.do(http.MethodGet, path("/api/v2/agents/{id}", a2), nil).must(t, http.StatusOK).inner(t, "agent")
	if mo := agent["member_of"].([]any); len(mo) != 1 || int64(mo[0].(float64)) != gid {
		t.Errorf("member_of = %v, want [%d]", mo, gid)
	}
	f.do(http.MethodDelete, path("/api/v2/groups/{id}", gid), nil).must(t, http.StatusNoContent)
	f.do(http.MethodGet, path("/api/v2/groups/{id}", gid), nil).must(t, http.StatusNotFound)
}

func TestDepartmentsAndLocations(t *testing.T) {
	f := newFixture(t, Options{})
	d := f.do(http.MethodPost, "/api/v2/departments", map[string]any{"name": "Sales", "domains": []string{"sales.x.com"}}).must(t, http.StatusCreated).inner(t, "department")
	did := id(t, d)
	if d["description"] != nil || d["head_user_id"] != nil {
		t.Errorf("department blanks not null: %v", d)
	}
	f.do(http.MethodPost, "/api/v2/departments", map[string]any{"name": "SALES"}).must(t, http.StatusConflict)
	f.do(http.MethodPost, "/api/v2/departments", map[string]any{"description": "no name"}).must(t, http.StatusBadRequest)
	f.do(http.MethodPut, path("/api/v2/departments/{id}", did), map[string]any{"description": "Sells"}).must(t, http.StatusOK)

	l := f.do(http.MethodPost, "/api/v2/locations", map[string]any{
		"name": "HQ", "address": map[string]any{"line1": "1 Main St", "city": "San Bruno", "zipcode": "94066"},
	}).must(t, http.StatusCreated).inner(t, "location")
	lid := id(t, l)
	addr := l["address"].(map[string]any)
	if addr["line1"] != "1 Main St" || addr["line2"] != nil || addr["zipcode"] != "94066" {
		t.Errorf("address = %v", addr)
	}
	f.do(http.MethodPost, "/api/v2/locations", map[string]any{"name": "X", "address": map[string]any{"street": "x"}}).must(t, http.StatusBadRequest)
	f.do(http.MethodPost, "/api/v2/locations", map[string]any{"name": "Branch", "parent_location_id": lid}).must(t, http.StatusCreated)

	uid := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com", "department_ids": []int64{did}, "location_id": lid})
	got := f.do(http.MethodGet, path("/api/v2/requesters/{id}", uid), nil).must(t, http.StatusOK).inner(t, "requester")
	if got["location_name"] != "HQ" || got["department_names"].([]any)[0] != "Sales" {
		t.Errorf("names not resolved: %v", got)
	}
	f.do(http.MethodDelete, path("/api/v2/departments/{id}", did), nil).must(t, http.StatusNoContent)
	f.do(http.MethodDelete, path("/api/v2/locations/{id}", lid), nil).must(t, http.StatusNoContent)
	if u, _ := f.e.User(uid); len(u.DepartmentIDs) != 0 || u.LocationID != 0 {
		t.Errorf("references to deleted objects kept: %+v", u)
	}
	if n := len(f.e.Departments()); n != 0 {
		t.Errorf("%d departments left", n)
	}
	if locs := f.e.Locations(); len(locs) != 1 || locs[0].Name != "Branch" || locs[0].ParentLocationID != 0 {
		t.Errorf("locations = %+v", locs)
	}
}

package freshservicetest

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/proxy/proxytest/golden"
)

func TestCreateRequesterAnswers201WithLocationAndStoresUser(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.do(http.MethodPost, "/api/v2/requesters", map[string]any{
		"first_name": "Ron", "last_name": "Weasley", "primary_email": "Ron.Weasley@hogwarts.edu",
		"work_phone_number": 62443, "time_zone": "Edinburgh", "external_id": "e-1",
	}).must(t, http.StatusCreated)
	got := r.inner(t, "requester")
	uid := id(t, got)
	if want := f.srv.URL + path("/api/v2/requesters/{id}", uid); r.Header.Get("Location") != want {
		t.Errorf("Location = %q, want %q", r.Header.Get("Location"), want)
	}
	if uid <= 1<<32 {
		t.Errorf("id %d is not a large id", uid)
	}
	if got["work_phone_number"] != "62443" {
		t.Errorf("work_phone_number = %v, want the number echoed as a string", got["work_phone_number"])
	}
	stored, ok := f.e.User(uid)
	if !ok || stored.PrimaryEmail != "Ron.Weasley@hogwarts.edu" || !stored.Active || stored.IsAgent || stored.TimeZone != "Edinburgh" {
		t.Errorf("stored user = %+v, %v", stored, ok)
	}
	get := f.do(http.MethodGet, path("/api/v2/requesters/{id}", uid), nil).must(t, http.StatusOK)
	if get.inner(t, "requester")["last_name"] != "Weasley" {
		t.Errorf("GET returned %s", get.Body)
	}
}

func TestRequesterBodyCarriesNullForBlankFields(t *testing.T) {
	f := newFixture(t, Options{CustomFields: []CustomField{{Name: "cost_centre", Type: CustomText}}})
	r := f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"}).must(t, http.StatusCreated)
	got := r.inner(t, "requester")
	for _, k := range []string{"last_name", "job_title", "work_phone_number", "mobile_phone_number", "address",
		"time_zone", "location_id", "reporting_manager_id", "external_id", "background_information"} {
		v, present := got[k]
		if !present || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, present)
		}
	}
	if cf := got["custom_fields"].(map[string]any); len(cf) != 1 || cf["cost_centre"] != nil {
		t.Errorf("custom_fields = %v, want every configured field, null", cf)
	}
	if got["language"] != "en" || got["time_format"] != "12h" {
		t.Errorf("defaults language=%v time_format=%v", got["language"], got["time_format"])
	}
	if ts := got["created_at"].(string); ts != "2026-03-02T10:15:00Z" {
		t.Errorf("created_at = %q, want UTC RFC 3339 seconds", ts)
	}
}

func TestCreateRequesterGolden(t *testing.T) {
	f := newFixture(t, Options{CustomFields: []CustomField{{Name: "region", Type: CustomDropdown, Choices: []string{"EMEA", "APAC"}}}})
	dept := f.e.AddDepartment("Sales")
	loc := f.e.AddLocation("London")
	r := f.do(http.MethodPost, "/api/v2/requesters", map[string]any{
		"first_name": "Ron", "last_name": "Weasley", "job_title": "Student",
		"primary_email": "ron@hogwarts.edu", "secondary_emails": []string{"ron@freshservice.com"},
		"mobile_phone_number": "77762443", "department_ids": []int64{dept.ID}, "location_id": loc.ID,
		"time_zone": "Edinburgh", "language": "fr", "custom_fields": map[string]any{"region": "EMEA"},
	}).must(t, http.StatusCreated)
	golden.JSON(t, filepath.Join("testdata", "requester_created.json"), r.Body)
}

func TestListRequestersEmailFilterIsCaseInsensitiveExact(t *testing.T) {
	f := newFixture(t, Options{})
	ann := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "Ann@Example.com"})
	f.createRequester(map[string]any{"first_name": "Annie", "primary_email": "ann@example.com.au"})
	f.createRequester(map[string]any{"first_name": "Bob", "primary_email": "bob@example.com", "secondary_emails": []string{"ann2@example.com"}})
	f.checkListIDs(t, "requesters", []listCase{
		{"same case", "?email=Ann%40Example.com", []int64{ann}},
		{"other case", "?email=ANN%40EXAMPLE.COM", []int64{ann}},
		{"no prefix match", "?email=ann%40example", nil},
		{"secondary not matched", "?email=ann2%40example.com", nil},
	})
}

func TestListRequestersIncludeAgents(t *testing.T) {
	f := newFixture(t, Options{})
	req, agent := f.requesterAndAgent()
	tests := []struct {
		name      string
		query     string
		wantAgent bool
	}{
		{"default excludes agents", "", false},
		{"include_agents=false", "?include_agents=false", false},
		{"include_agents=true", "?include_agents=true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(http.MethodGet, "/api/v2/requesters"+tt.query, nil).must(t, http.StatusOK)
			var sawReq, sawAgent bool
			for _, u := range r.list(t, "requesters") {
				switch id(t, u) {
				case req:
					sawReq = true
				case agent:
					sawAgent = true
					if u["is_agent"] != true || u["primary_email"] != "bea@x.com" {
						t.Errorf("agent listed as %v", u)
					}
				}
			}
			if !sawReq || sawAgent != tt.wantAgent {
				t.Errorf("saw requester %v agent %v, want true %v", sawReq, sawAgent, tt.wantAgent)
			}
		})
	}
}

func TestUpdateRequesterMergesAndResetsCanSeeAllTickets(t *testing.T) {
	f := newFixture(t, Options{})
	uid := f.createRequester(map[string]any{
		"first_name": "Ann", "last_name": "Lee", "job_title": "Clerk", "primary_email": "ann@x.com",
		"can_see_all_tickets_from_associated_departments": true,
	})
	if u, _ := f.e.User(uid); u.JobTitle != "Clerk" {
		t.Fatalf("setup: %+v", u)
	}
	tests := []struct {
		name       string
		body       map[string]any
		wantTitle  string
		wantLast   any
		wantSeeAll bool
	}{
		{"absent flag resets it", map[string]any{"job_title": "Manager"}, "Manager", "Lee", false},
		{"true keeps it", map[string]any{"can_see_all_tickets_from_associated_departments": true}, "Manager", "Lee", true},
		{"null clears a field", map[string]any{"last_name": nil}, "Manager", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.do(http.MethodPut, path("/api/v2/requesters/{id}", uid), tt.body).must(t, http.StatusOK).inner(t, "requester")
			if got["job_title"] != tt.wantTitle || got["last_name"] != tt.wantLast || got["first_name"] != "Ann" {
				t.Errorf("after PUT %v: %v", tt.body, got)
			}
			if got["can_see_all_tickets_from_associated_departments"] != tt.wantSeeAll {
				t.Errorf("can_see_all_tickets = %v, want %v", got["can_see_all_tickets_from_associated_departments"], tt.wantSeeAll)
			}
		})
	}
}

func TestDeactivateStatusDiffersForRequestersAndAgents(t *testing.T) {
	f := newFixture(t, Options{})
	req, agent := f.requesterAndAgent()
	tests := []struct {
		name       string
		path       string
		uid        int64
		wantStatus int
		wantBody   bool
	}{
		{"requester 204 no body", "/api/v2/requesters/{id}", req, http.StatusNoContent, false},
		{"agent 200 with agent", "/api/v2/agents/{id}", agent, http.StatusOK, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(http.MethodDelete, path(tt.path, tt.uid), nil).must(t, tt.wantStatus)
			if tt.wantBody {
				if got := r.inner(t, "agent"); got["active"] != false || id(t, got) != tt.uid {
					t.Errorf("body %s", r.Body)
				}
			} else if len(r.Body) != 0 {
				t.Errorf("body %q, want none", r.Body)
			}
			if u, ok := f.e.User(tt.uid); !ok || u.Active {
				t.Errorf("user after DELETE: %+v %v", u, ok)
			}
		})
	}
}

func TestDeactivationDropsRequesterGroupMembership(t *testing.T) {
	f := newFixture(t, Options{})
	g1 := f.e.AddRequesterGroup("Staff", false)
	g2 := f.e.AddRequesterGroup("Sales", false)
	ann := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	bob := f.createRequester(map[string]any{"first_name": "Bob", "primary_email": "bob@x.com"})
	for _, g := range []int64{g1.ID, g2.ID} {
		for _, u := range []int64{ann, bob} {
			f.do(http.MethodPost, path("/api/v2/requester_groups/{id}/members/{id}", g, u), nil).must(t, http.StatusOK)
		}
	}
	f.do(http.MethodDelete, path("/api/v2/requesters/{id}", ann), nil).must(t, http.StatusNoContent)
	for _, g := range []int64{g1.ID, g2.ID} {
		if got := f.e.RequesterGroupMembers(g); !slices.Equal(got, []int64{bob}) {
			t.Errorf("group %d members = %v, want only %d", g, got, bob)
		}
	}
	f.do(http.MethodPut, path("/api/v2/requesters/{id}/reactivate", ann), nil).must(t, http.StatusOK)
	if got := f.e.RequesterGroupMembers(g1.ID); slices.Contains(got, ann) {
		t.Errorf("reactivation restored membership: %v", got)
	}
}

func TestReactivateClearsReferencesUnlessKept(t *testing.T) {
	tests := []struct {
		name string
		keep bool
	}{
		{"default clears", false},
		{"KeepOnReactivate keeps", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{KeepOnReactivate: tt.keep})
			dept := f.e.AddDepartment("Sales")
			loc := f.e.AddLocation("London")
			mgr := f.createRequester(map[string]any{"first_name": "Max", "primary_email": "max@x.com"})
			uid := f.createRequester(map[string]any{
				"first_name": "Ann", "primary_email": "ann@x.com", "department_ids": []int64{dept.ID},
				"location_id": loc.ID, "reporting_manager_id": mgr, "job_title": "Clerk",
			})
			f.do(http.MethodDelete, path("/api/v2/requesters/{id}", uid), nil).must(t, http.StatusNoContent)
			got := f.do(http.MethodPut, path("/api/v2/requesters/{id}/reactivate", uid), nil).must(t, http.StatusOK).inner(t, "requester")
			if got["active"] != true || got["job_title"] != "Clerk" {
				t.Errorf("reactivated: %v", got)
			}
			depts := got["department_ids"].([]any)
			if tt.keep {
				if len(depts) != 1 || got["location_id"] == nil || got["reporting_manager_id"] == nil {
					t.Errorf("references lost: %v", got)
				}
				return
			}
			if len(depts) != 0 || got["location_id"] != nil || got["reporting_manager_id"] != nil {
				t.Errorf("references kept: departments %v location %v manager %v", depts, got["location_id"], got["reporting_manager_id"])
			}
		})
	}
}

func TestForgetRequesterDeletesUserAndFreesEmail(t *testing.T) {
	f := newFixture(t, Options{})
	uid := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	f.do(http.MethodDelete, path("/api/v2/requesters/{id}/forget", uid), nil).must(t, http.StatusNoContent)
	f.do(http.MethodGet, path("/api/v2/requesters/{id}", uid), nil).must(t, http.StatusNotFound)
	if _, ok := f.e.User(uid); ok {
		t.Error("user still stored")
	}
	f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
}

func TestConvertKeepsIDAndSwitchesEndpoints(t *testing.T) {
	f := newFixture(t, Options{})
	uid := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	agent := f.do(http.MethodPut, path("/api/v2/requesters/{id}/convert_to_agent", uid), nil).must(t, http.StatusOK).inner(t, "agent")
	if id(t, agent) != uid || agent["occasional"] != true || agent["email"] != "ann@x.com" {
		t.Errorf("converted agent %v", agent)
	}
	f.do(http.MethodGet, path("/api/v2/requesters/{id}", uid), nil).must(t, http.StatusNotFound)
	f.do(http.MethodGet, path("/api/v2/agents/{id}", uid), nil).must(t, http.StatusOK)

	back := f.do(http.MethodPut, path("/api/v2/agents/{id}/convert_to_requester", uid), nil).must(t, http.StatusOK).inner(t, "requester")
	if id(t, back) != uid || back["is_agent"] != false {
		t.Errorf("converted requester %v", back)
	}
	f.do(http.MethodGet, path("/api/v2/agents/{id}", uid), nil).must(t, http.StatusNotFound)
}

func TestRequesterEndpointsDoNotServeAgents(t *testing.T) {
	f := newFixture(t, Options{})
	agent := f.createAgent("Bea", "bea@x.com")
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		t.Run(m, func(t *testing.T) {
			var body any
			if m == http.MethodPut {
				body = map[string]any{"job_title": "x"}
			}
			r := f.do(m, path("/api/v2/requesters/{id}", agent), body).must(t, http.StatusNotFound)
			if strings.TrimSpace(string(r.Body)) != "{}" {
				t.Errorf("404 body %q, want {}", r.Body)
			}
		})
	}
}

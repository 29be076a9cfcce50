package freshservicetest

import (
	"net/http"
	"strings"
	"testing"
)

func TestUnauthorized(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.e.AddAPIKey("leaver-key", true)
	f.e.Deactivate(owner.ID)
	tests := []struct {
		name string
		opt  reqOpt
	}{
		{"no Authorization", withKey("")},
		{"unknown key", withKey("wrong")},
		{"owner deactivated", withKey("leaver-key")},
		{"bearer instead of basic", withHeader("Authorization", "Bearer "+adminKey)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(http.MethodGet, "/api/v2/requesters", nil, tt.opt).must(t, http.StatusUnauthorized)
			got := r.JSON(t)
			if got["code"] != "invalid_credentials" || got["message"] != "You have to be logged in to perform this action." {
				t.Errorf("body %s", r.Body)
			}
		})
	}
}

func TestNonAdminKeyForbidden(t *testing.T) {
	f := newFixture(t, Options{})
	req, agent := f.requesterAndAgent()
	dept := f.e.AddDepartment("Sales")
	loc := f.e.AddLocation("HQ")
	g := f.e.AddAgentGroup("Tier 1")
	rg := f.e.AddRequesterGroup("Staff", false)
	tests := []struct {
		name string
		call apiCall
		want int
	}{
		{"list agents", apiCall{http.MethodGet, "/api/v2/agents", nil, nil}, http.StatusForbidden},
		{"get agent", apiCall{http.MethodGet, path("/api/v2/agents/{id}", agent), nil, nil}, http.StatusForbidden},
		{"create agent", apiCall{http.MethodPost, "/api/v2/agents", agentBody("C", "c@x.com"), nil}, http.StatusForbidden},
		{"deactivate agent", apiCall{http.MethodDelete, path("/api/v2/agents/{id}", agent), nil, nil}, http.StatusForbidden},
		{"include_agents", apiCall{http.MethodGet, "/api/v2/requesters?include_agents=true", nil, nil}, http.StatusForbidden},
		{"convert to agent", apiCall{http.MethodPut, path("/api/v2/requesters/{id}/convert_to_agent", req), nil, nil}, http.StatusForbidden},
		{"create group", apiCall{http.MethodPost, "/api/v2/groups", map[string]any{"name": "G"}, nil}, http.StatusForbidden},
		{"update group", apiCall{http.MethodPut, path("/api/v2/groups/{id}", g.ID), map[string]any{"members": []int64{}}, nil}, http.StatusForbidden},
		{"create requester group", apiCall{http.MethodPost, "/api/v2/requester_groups", map[string]any{"name": "R"}, nil}, http.StatusForbidden},
		{"add requester group member", apiCall{http.MethodPost, path("/api/v2/requester_groups/{id}/members/{id}", rg.ID, req), nil, nil}, http.StatusForbidden},
		{"create department", apiCall{http.MethodPost, "/api/v2/departments", map[string]any{"name": "D"}, nil}, http.StatusForbidden},
		{"delete department", apiCall{http.MethodDelete, path("/api/v2/departments/{id}", dept.ID), nil, nil}, http.StatusForbidden},
		{"update location", apiCall{http.MethodPut, path("/api/v2/locations/{id}", loc.ID), map[string]any{"name": "L"}, nil}, http.StatusForbidden},
		{"me", apiCall{http.MethodGet, "/api/v2/agents/me", nil, nil}, http.StatusOK},
		{"list requesters", apiCall{http.MethodGet, "/api/v2/requesters", nil, nil}, http.StatusOK},
		{"update requester", apiCall{http.MethodPut, path("/api/v2/requesters/{id}", req), map[string]any{"job_title": "x"}, nil}, http.StatusOK},
		{"list departments", apiCall{http.MethodGet, "/api/v2/departments", nil, nil}, http.StatusOK},
		{"list groups", apiCall{http.MethodGet, "/api/v2/groups", nil, nil}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.doCall(tt.call, withKey(plainKey)).must(t, tt.want)
			if tt.want == http.StatusForbidden {
				if got := r.JSON(t); got["code"] != "access_denied" || got["message"] != "You are not authorized to perform this action." {
					t.Errorf("body %s", r.Body)
				}
			}
		})
	}
	if _, ok := f.e.UserByEmail("c@x.com"); ok {
		t.Error("forbidden create stored an agent")
	}
	if len(f.e.Departments()) != 1 {
		t.Error("forbidden department write applied")
	}
}

func TestRoutingAndNegotiation(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct {
		name     string
		call     apiCall
		want     int
		wantBody string
	}{
		{"unknown id", apiCall{http.MethodGet, "/api/v2/requesters/42", nil, nil}, http.StatusNotFound, "{}"},
		{"non-numeric id", apiCall{http.MethodGet, "/api/v2/requesters/abc", nil, nil}, http.StatusNotFound, "{}"},
		{"unknown route", apiCall{http.MethodGet, "/api/v2/tickets", nil, nil}, http.StatusNotFound, "{}"},
		{"outside the API", apiCall{http.MethodGet, "/helpdesk", nil, nil}, http.StatusNotFound, "{}"},
		{"wrong verb", apiCall{http.MethodPatch, "/api/v2/requesters/1", map[string]any{}, nil}, http.StatusMethodNotAllowed, ""},
		{"PUT on a collection", apiCall{http.MethodPut, "/api/v2/requesters", map[string]any{}, nil}, http.StatusMethodNotAllowed, ""},
		{"xml accept", apiCall{http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withHeader("Accept", "application/xml")}}, http.StatusNotAcceptable, ""},
		{"wildcard accept", apiCall{http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withHeader("Accept", "*/*")}}, http.StatusOK, ""},
		{"no accept", apiCall{http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withHeader("Accept", "")}}, http.StatusOK, ""},
		{"json with charset", apiCall{http.MethodPost, "/api/v2/departments", map[string]any{"name": "A"}, []reqOpt{withHeader("Content-Type", "application/json; charset=utf-8")}}, http.StatusCreated, ""},
		{"xml body", apiCall{http.MethodPost, "/api/v2/departments", "<name>B</name>", []reqOpt{withHeader("Content-Type", "application/xml")}}, http.StatusUnsupportedMediaType, ""},
		{"form body", apiCall{http.MethodPut, "/api/v2/requesters/1", "name=B", []reqOpt{withHeader("Content-Type", "application/x-www-form-urlencoded")}}, http.StatusUnsupportedMediaType, ""},
		{"body without content type", apiCall{http.MethodPost, "/api/v2/departments", `{"name":"C"}`, []reqOpt{withHeader("Content-Type", "")}}, http.StatusUnsupportedMediaType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.doCall(tt.call).must(t, tt.want)
			if tt.wantBody != "" && strings.TrimSpace(string(r.Body)) != tt.wantBody {
				t.Errorf("body %q, want %q", r.Body, tt.wantBody)
			}
			if tt.want == http.StatusMethodNotAllowed && r.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
	if n := len(f.e.Departments()); n != 1 {
		t.Errorf("%d departments, want only the JSON one", n)
	}
}

func TestEmptyBodyPutsNeedNoContentType(t *testing.T) {
	f := newFixture(t, Options{})
	uid := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	f.do(http.MethodDelete, path("/api/v2/requesters/{id}", uid), nil).must(t, http.StatusNoContent)
	f.do(http.MethodPut, path("/api/v2/requesters/{id}/reactivate", uid), nil, withHeader("Content-Type", "")).must(t, http.StatusOK)
}

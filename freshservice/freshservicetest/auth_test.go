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
			got := r.obj(t)
			if got["code"] != "invalid_credentials" || got["message"] != "You have to be logged in to perform this action." {
				t.Errorf("body %s", r.raw)
			}
		})
	}
}

func TestNonAdminKeyForbidden(t *testing.T) {
	f := newFixture(t, Options{})
	agent := f.createAgent("Bea", "bea@x.com")
	req := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	dept := f.e.AddDepartment("Sales")
	loc := f.e.AddLocation("HQ")
	g := f.e.AddAgentGroup("Tier 1")
	rg := f.e.AddRequesterGroup("Staff", false)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   int
	}{
		{"list agents", http.MethodGet, "/api/v2/agents", nil, http.StatusForbidden},
		{"get agent", http.MethodGet, path("/api/v2/agents/{id}", agent), nil, http.StatusForbidden},
		{"create agent", http.MethodPost, "/api/v2/agents", agentBody("C", "c@x.com"), http.StatusForbidden},
		{"deactivate agent", http.MethodDelete, path("/api/v2/agents/{id}", agent), nil, http.StatusForbidden},
		{"include_agents", http.MethodGet, "/api/v2/requesters?include_agents=true", nil, http.StatusForbidden},
		{"convert to agent", http.MethodPut, path("/api/v2/requesters/{id}/convert_to_agent", req), nil, http.StatusForbidden},
		{"create group", http.MethodPost, "/api/v2/groups", map[string]any{"name": "G"}, http.StatusForbidden},
		{"update group", http.MethodPut, path("/api/v2/groups/{id}", g.ID), map[string]any{"members": []int64{}}, http.StatusForbidden},
		{"create requester group", http.MethodPost, "/api/v2/requester_groups", map[string]any{"name": "R"}, http.StatusForbidden},
		{"add requester group member", http.MethodPost, path("/api/v2/requester_groups/{id}/members/{id}", rg.ID, req), nil, http.StatusForbidden},
		{"create department", http.MethodPost, "/api/v2/departments", map[string]any{"name": "D"}, http.StatusForbidden},
		{"delete department", http.MethodDelete, path("/api/v2/departments/{id}", dept.ID), nil, http.StatusForbidden},
		{"update location", http.MethodPut, path("/api/v2/locations/{id}", loc.ID), map[string]any{"name": "L"}, http.StatusForbidden},
		{"me", http.MethodGet, "/api/v2/agents/me", nil, http.StatusOK},
		{"list requesters", http.MethodGet, "/api/v2/requesters", nil, http.StatusOK},
		{"update requester", http.MethodPut, path("/api/v2/requesters/{id}", req), map[string]any{"job_title": "x"}, http.StatusOK},
		{"list departments", http.MethodGet, "/api/v2/departments", nil, http.StatusOK},
		{"list groups", http.MethodGet, "/api/v2/groups", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(tt.method, tt.path, tt.body, withKey(plainKey)).must(t, tt.want)
			if tt.want == http.StatusForbidden {
				if got := r.obj(t); got["code"] != "access_denied" || got["message"] != "You are not authorized to perform this action." {
					t.Errorf("body %s", r.raw)
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
		method   string
		path     string
		body     any
		opts     []reqOpt
		want     int
		wantBody string
	}{
		{"unknown id", http.MethodGet, "/api/v2/requesters/42", nil, nil, http.StatusNotFound, "{}"},
		{"non-numeric id", http.MethodGet, "/api/v2/requesters/abc", nil, nil, http.StatusNotFound, "{}"},
		{"unknown route", http.MethodGet, "/api/v2/tickets", nil, nil, http.StatusNotFound, "{}"},
		{"outside the API", http.MethodGet, "/helpdesk", nil, nil, http.StatusNotFound, "{}"},
		{"wrong verb", http.MethodPatch, "/api/v2/requesters/1", map[string]any{}, nil, http.StatusMethodNotAllowed, ""},
		{"PUT on a collection", http.MethodPut, "/api/v2/requesters", map[string]any{}, nil, http.StatusMethodNotAllowed, ""},
		{"xml accept", http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withHeader("Accept", "application/xml")}, http.StatusNotAcceptable, ""},
		{"wildcard accept", http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withHeader("Accept", "*/*")}, http.StatusOK, ""},
		{"no accept", http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withHeader("Accept", "")}, http.StatusOK, ""},
		{"json with charset", http.MethodPost, "/api/v2/departments", map[string]any{"name": "A"}, []reqOpt{withHeader("Content-Type", "application/json; charset=utf-8")}, http.StatusCreated, ""},
		{"xml body", http.MethodPost, "/api/v2/departments", "<name>B</name>", []reqOpt{withHeader("Content-Type", "application/xml")}, http.StatusUnsupportedMediaType, ""},
		{"form body", http.MethodPut, "/api/v2/requesters/1", "name=B", []reqOpt{withHeader("Content-Type", "application/x-www-form-urlencoded")}, http.StatusUnsupportedMediaType, ""},
		{"body without content type", http.MethodPost, "/api/v2/departments", `{"name":"C"}`, []reqOpt{withHeader("Content-Type", "")}, http.StatusUnsupportedMediaType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(tt.method, tt.path, tt.body, tt.opts...).must(t, tt.want)
			if tt.wantBody != "" && strings.TrimSpace(string(r.raw)) != tt.wantBody {
				t.Errorf("body %q, want %q", r.raw, tt.wantBody)
			}
			if tt.want == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
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

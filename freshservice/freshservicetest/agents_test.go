package freshservicetest

import (
	"net/http"
	"slices"
	"testing"
)

func TestCreateAgentUsesEmailAndRoles(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.e.AddAgentGroup("Tier 1")
	body := agentBody("Bea", "bea@x.com")
	body["member_of"] = []int64{g.ID}
	body["occasional"] = true
	r := f.do(http.MethodPost, "/api/v2/agents", body).must(t, http.StatusCreated)
	got := r.inner(t, "agent")
	uid := id(t, got)
	if r.Header.Get("Location") != f.srv.URL+path("/api/v2/agents/{id}", uid) {
		t.Errorf("Location = %q", r.Header.Get("Location"))
	}
	if got["email"] != "bea@x.com" || got["occasional"] != true {
		t.Errorf("agent = %v", got)
	}
	if _, has := got["primary_email"]; has {
		t.Errorf("agent body carries primary_email: %v", got)
	}
	if ag, _ := f.e.AgentGroup(g.ID); !slices.Equal(ag.Members, []int64{uid}) {
		t.Errorf("group members = %v, want [%d]", ag.Members, uid)
	}
	if u, _ := f.e.User(uid); !u.IsAgent || len(u.Roles) != 1 || u.Roles[0].RoleID != 7 {
		t.Errorf("stored agent %+v", u)
	}
}

func TestAgentsMeReturnsKeyOwner(t *testing.T) {
	f := newFixture(t, Options{})
	owner := f.e.AddAPIKey("third-key", false)
	got := f.do(http.MethodGet, "/api/v2/agents/me", nil, withKey("third-key")).must(t, http.StatusOK).inner(t, "agent")
	if id(t, got) != owner.ID || got["email"] != owner.Email {
		t.Errorf("me = %v, want owner %+v", got, owner)
	}
}

func TestListAgentsFilters(t *testing.T) {
	f := newFixture(t, Options{})
	full := f.createAgent("Full", "full@x.com")
	occ := f.createAgent("Occ", "occ@x.com")
	f.do(http.MethodPut, path("/api/v2/agents/{id}", occ), map[string]any{"occasional": true}).must(t, http.StatusOK)
	gone := f.createAgent("Gone", "gone@x.com")
	f.do(http.MethodDelete, path("/api/v2/agents/{id}", gone), nil).must(t, http.StatusOK)
	f.createRequester(map[string]any{"first_name": "Req", "primary_email": "req@x.com"})

	f.checkListIDs(t, "agents", []listCase{
		{"email any case", "?email=OCC%40x.com", []int64{occ}},
		{"inactive", "?active=false", []int64{gone}},
		{"occasional", "?state=occasional", []int64{occ}},
		{"fulltime active", "?state=fulltime&active=true&email=full%40x.com", []int64{full}},
		{"requester email finds nothing", "?email=req%40x.com", nil},
	})
	for _, q := range []string{"?active=maybe", "?state=parttime"} {
		f.do(http.MethodGet, "/api/v2/agents"+q, nil).must(t, http.StatusBadRequest)
	}
}

func TestAgentLifecycle(t *testing.T) {
	f := newFixture(t, Options{})
	dept := f.e.AddDepartment("IT")
	uid := f.createAgent("Bea", "bea@x.com")
	f.do(http.MethodPut, path("/api/v2/agents/{id}", uid), map[string]any{"department_ids": []int64{dept.ID}, "job_title": "Tech"}).must(t, http.StatusOK)
	f.do(http.MethodDelete, path("/api/v2/agents/{id}", uid), nil).must(t, http.StatusOK)
	got := f.do(http.MethodPut, path("/api/v2/agents/{id}/reactivate", uid), nil).must(t, http.StatusOK).inner(t, "agent")
	if got["active"] != true || len(got["department_ids"].([]any)) != 0 || got["job_title"] != "Tech" {
		t.Errorf("reactivated agent %v", got)
	}
	f.do(http.MethodDelete, path("/api/v2/agents/{id}/forget", uid), nil).must(t, http.StatusNoContent)
	if _, ok := f.e.User(uid); ok {
		t.Error("forgotten agent still stored")
	}
}

func TestConvertToRequesterLeavesAgentGroups(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.e.AddAgentGroup("Tier 1")
	uid := f.createAgent("Bea", "bea@x.com")
	f.do(http.MethodPut, path("/api/v2/groups/{id}", g.ID), map[string]any{"members": []int64{uid}}).must(t, http.StatusOK)
	f.do(http.MethodPut, path("/api/v2/agents/{id}/convert_to_requester", uid), nil).must(t, http.StatusOK)
	if ag, _ := f.e.AgentGroup(g.ID); len(ag.Members) != 0 {
		t.Errorf("members after conversion = %v", ag.Members)
	}
}

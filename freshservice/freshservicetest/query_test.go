package freshservicetest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

func queryPath(endpoint, query string, extra ...string) string {
	v := url.Values{"query": {`"` + query + `"`}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/api/v2/" + endpoint + "?" + v.Encode()
}

// TestFilterQueryByUpdatedAt checks the filter query fsscim's incremental refresh sends: users
// changed on or after a day, requesters and agents, active or not, newest first, 30 a page with no
// Link header, and changes seen only once the search index caught up.
func TestFilterQueryByUpdatedAt(t *testing.T) {
	f := newFixture(t, Options{QueryLag: 5 * time.Minute})
	old := f.e.AddRequester(freshservice.User{FirstName: "Old", PrimaryEmail: "old@x.com"})
	f.clock.Add(48 * time.Hour)
	var recent []int64
	for i := range 33 {
		u := f.e.AddRequester(freshservice.User{FirstName: "New", LastName: fmt.Sprint(i), PrimaryEmail: fmt.Sprintf("new%d@x.com", i)})
		recent = append(recent, u.ID)
		f.clock.Add(time.Second)
	}
	agent := f.e.AddAgent(freshservice.User{FirstName: "Agent", Email: "agent@x.com"})
	f.e.Deactivate(recent[0])
	day := f.clock.Now().Format("2006-01-02")

	// Within the lag nothing new shows.
	r := f.do(http.MethodGet, queryPath("requesters", "updated_at:>'"+day+"'"), nil).must(t, http.StatusOK)
	if n := len(r.list(t, "requesters")); n != 0 {
		t.Fatalf("%d requesters before the index caught up, want 0", n)
	}
	f.clock.Add(10 * time.Minute)
	r = f.do(http.MethodGet, queryPath("requesters", "updated_at:>'"+day+"'"), nil).must(t, http.StatusOK)
	page1 := r.list(t, "requesters")
	if len(page1) != 30 || r.Header.Get("Link") != "" {
		t.Fatalf("page 1: %d requesters, Link %q; want 30 and no Link", len(page1), r.Header.Get("Link"))
	}
	if first := id(t, page1[0]); first != recent[32] {
		t.Errorf("newest first: got %d, want %d", first, recent[32])
	}
	r = f.do(http.MethodGet, queryPath("requesters", "updated_at:>'"+day+"'", "page", "2"), nil).must(t, http.StatusOK)
	page2 := r.list(t, "requesters")
	if len(page2) != 3 {
		t.Fatalf("page 2: %d requesters, want 3", len(page2))
	}
	seen := map[int64]bool{}
	for _, u := range append(page1, page2...) {
		seen[id(t, u)] = true
	}
	if seen[old.ID] || seen[agent.ID] || !seen[recent[0]] {
		t.Errorf("the old requester (%v) or the agent (%v) was found, or the deactivated one was not (%v)", seen[old.ID], seen[agent.ID], seen[recent[0]])
	}
	r = f.do(http.MethodGet, queryPath("requesters", "updated_at:>'"+day+"'", "include_agents", "true", "page", "2"), nil).must(t, http.StatusOK)
	if len(r.list(t, "requesters")) != 4 {
		t.Errorf("with include_agents the agent is found too")
	}
	r = f.do(http.MethodGet, queryPath("agents", "updated_at:>'"+day+"'"), nil).must(t, http.StatusOK)
	if agents := r.list(t, "agents"); len(agents) != 1 || id(t, agents[0]) != agent.ID {
		t.Errorf("agents: %v", agents)
	}
	r = f.do(http.MethodGet, queryPath("requesters", "first_name:'old' OR (last_name:'3' AND primary_email:'new3@x.com')"), nil).must(t, http.StatusOK)
	if n := len(r.list(t, "requesters")); n != 2 {
		t.Errorf("AND, OR and parentheses: %d requesters, want 2", n)
	}

	for _, bad := range []struct{ path, want string }{
		{queryPath("requesters", "updated_at:>'"+day+"'", "page", "41"), "less than or equal to 40"},
		{queryPath("requesters", "shoe_size:'9'"), "shoe_size"},
		{"/api/v2/requesters?query=updated_at:>'2025-01-01'", "double quotes"},
		{queryPath("requesters", strings.Repeat("first_name:'a' OR ", 40)+"first_name:'b'"), "512"},
		{queryPath("requesters", "updated_at:>'yesterday'"), "a date"},
	} {
		r := f.do(http.MethodGet, bad.path, nil).must(t, http.StatusBadRequest)
		if !strings.Contains(string(r.Body), bad.want) {
			t.Errorf("%s: %s, want it to mention %q", bad.path, r.Body, bad.want)
		}
	}
}

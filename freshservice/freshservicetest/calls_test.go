package freshservicetest

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

func TestCallLogRecordsEveryRequest(t *testing.T) {
	f := newFixture(t, Options{PerMinute: 4})
	f.do(http.MethodPost, "/api/v2/requesters", `{"first_name":"Ann","primary_email":"ann@x.com"}`).must(t, http.StatusCreated)
	f.clock.Add(2 * time.Second)
	f.do(http.MethodGet, "/api/v2/requesters?email=ann%40x.com&per_page=5", nil).must(t, http.StatusOK)
	f.do(http.MethodPost, "/api/v2/requesters", `{"nickname":"A"}`).must(t, http.StatusBadRequest)
	f.do(http.MethodGet, "/api/v2/agents", nil, withKey("bad")).must(t, http.StatusUnauthorized)
	f.do(http.MethodGet, "/api/v2/agents/me", nil).must(t, http.StatusTooManyRequests)

	start := newFakeClock().Now()
	want := []Call{
		{Method: http.MethodPost, Path: "/api/v2/requesters", Body: []byte(`{"first_name":"Ann","primary_email":"ann@x.com"}`), Status: http.StatusCreated, At: start},
		{Method: http.MethodGet, Path: "/api/v2/requesters", RawQuery: "email=ann%40x.com&per_page=5", Status: http.StatusOK, At: start.Add(2 * time.Second)},
		{Method: http.MethodPost, Path: "/api/v2/requesters", Body: []byte(`{"nickname":"A"}`), Status: http.StatusBadRequest, At: start.Add(2 * time.Second)},
		{Method: http.MethodGet, Path: "/api/v2/agents", Status: http.StatusUnauthorized, At: start.Add(2 * time.Second)},
		{Method: http.MethodGet, Path: "/api/v2/agents/me", Status: http.StatusTooManyRequests, At: start.Add(2 * time.Second)},
	}
	got := f.e.Calls()
	if len(got) != len(want) {
		t.Fatalf("%d calls logged, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.Method || g.Path != w.Path || g.RawQuery != w.RawQuery || string(g.Body) != string(w.Body) || g.Status != w.Status || !g.At.Equal(w.At) {
			t.Errorf("call %d = %+v (body %q), want %+v (body %q)", i, g, g.Body, w, w.Body)
		}
	}
	f.e.ResetCalls()
	if n := len(f.e.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
}

func TestConcurrentCreatesKeepEmailsUniqueAndIDsDistinct(t *testing.T) {
	f := newFixture(t, Options{})
	const workers = 8
	var wg sync.WaitGroup
	statuses := make([]int, workers*2)
	for i := range workers {
		wg.Go(func() {
			body := map[string]any{"first_name": "U", "primary_email": "same@x.com"}
			statuses[i] = f.do(http.MethodPost, "/api/v2/requesters", body).Status
			own := map[string]any{"first_name": "U", "primary_email": "u" + itoa(int64(i)) + "@x.com"}
			statuses[workers+i] = f.do(http.MethodPost, "/api/v2/requesters", own).Status
		})
	}
	wg.Wait()
	var created, conflicts int
	for i, s := range statuses {
		switch {
		case s == http.StatusCreated:
			created++
		case s == http.StatusConflict && i < workers:
			conflicts++
		default:
			t.Errorf("request %d answered %d", i, s)
		}
	}
	if created != workers+1 || conflicts != workers-1 {
		t.Errorf("created %d, conflicts %d; want %d and %d", created, conflicts, workers+1, workers-1)
	}
	seen := map[int64]bool{}
	for _, u := range f.e.Users() {
		if seen[u.ID] {
			t.Errorf("id %d used twice", u.ID)
		}
		seen[u.ID] = true
	}
}

func TestSeedsAndState(t *testing.T) {
	e := New(Options{})
	d := e.AddDepartment("Sales")
	l := e.AddLocation("HQ")
	g := e.AddAgentGroup("Tier 1")
	agent := e.AddAgent(freshservice.User{FirstName: "Bea", Email: "Bea@x.com", MemberOf: []int64{g.ID}})
	req := e.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@x.com", DepartmentIDs: []int64{d.ID}, LocationID: freshservice.ID(l.ID)})
	rg := e.AddRequesterGroup("Rule", true)
	if err := e.AddRequesterGroupMember(rg.ID, req.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.AddRequesterGroupMember(rg.ID, 1); err == nil {
		t.Error("adding an unknown user succeeded")
	}
	ids := []int64{d.ID, l.ID, g.ID, agent.ID, req.ID, rg.ID}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] || ids[i-1] <= 1<<32 {
			t.Errorf("ids not large and increasing: %v", ids)
		}
	}
	if u, ok := e.UserByEmail("bea@X.COM"); !ok || u.ID != agent.ID || !u.IsAgent || len(u.Roles) != 1 {
		t.Errorf("UserByEmail = %+v, %v", u, ok)
	}
	if ag, _ := e.AgentGroup(g.ID); len(ag.Members) != 1 || ag.Members[0] != agent.ID {
		t.Errorf("agent group = %+v", ag)
	}
	e.Deactivate(req.ID)
	if u, _ := e.User(req.ID); u.Active {
		t.Error("Deactivate left the user active")
	}
	if m := e.RequesterGroupMembers(rg.ID); len(m) != 0 {
		t.Errorf("Deactivate kept memberships %v", m)
	}
	if rgm, ok := e.RequesterGroup(rg.ID); !ok || rgm.Type != freshservice.GroupTypeRuleBased {
		t.Errorf("RequesterGroup = %+v", rgm)
	}
	if n := len(e.Users()); n != 2 {
		t.Errorf("Users() = %d, want 2", n)
	}
}

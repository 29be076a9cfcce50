package freshservice_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// emu is an emulated account with an admin key and a client on it.
type emu struct {
	e   *freshservicetest.Emulator
	c   *freshservice.Client
	log *callLog
	url string
}

func newEmu(t *testing.T, opts freshservicetest.Options, edit func(*freshservice.Options)) *emu {
	t.Helper()
	e, srv := freshservicetest.NewServer(opts)
	t.Cleanup(srv.Close)
	e.AddAPIKey(testKey, true)
	log := &callLog{}
	c := newTestClient(t, srv.URL, func(o *freshservice.Options) {
		o.Observer = log.observe
		if edit != nil {
			edit(o)
		}
	})
	return &emu{e: e, c: c, log: log, url: srv.URL}
}

// calls lists "METHOD path?query" of what the emulator received since the last reset.
func (m *emu) calls() []string {
	var out []string
	for _, c := range m.e.Calls() {
		s := c.Method + " " + strings.TrimPrefix(c.Path, "/api/v2")
		if c.RawQuery != "" {
			s += "?" + c.RawQuery
		}
		out = append(out, s)
	}
	return out
}

// lastBody decodes the body of the last call received.
func (m *emu) lastBody(t *testing.T) map[string]any {
	t.Helper()
	calls := m.e.Calls()
	if len(calls) == 0 {
		t.Fatal("no call received")
	}
	var b map[string]any
	if err := json.Unmarshal(calls[len(calls)-1].Body, &b); err != nil {
		t.Fatalf("last body %q: %v", calls[len(calls)-1].Body, err)
	}
	return b
}

// must(call())(t) fails the test on call's error and returns its value.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// notFound is must's counterpart for a read that must answer 404: notFound(call())(t, what).
func notFound[T any](_ T, err error) func(*testing.T, string) {
	return func(t *testing.T, what string) {
		t.Helper()
		if !freshservice.IsNotFound(err) {
			t.Errorf("%s: %v, want 404", what, err)
		}
	}
}

// removed fails the test unless a delete or forget call succeeded, the emulator's lookup no longer
// finds the object with id, and the client's get answers 404 for it.
func removed[T, G any](t *testing.T, call string, err error, lookup func(int64) (T, bool), id int64, get func(context.Context, int64) (G, error)) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	if _, ok := lookup(id); ok {
		t.Errorf("%d still exists after %s", id, call)
	}
	notFound(get(context.Background(), id))(t, "get after "+call)
}

// deactivated fails the test unless a deactivate call succeeded and the emulator holds the user
// inactive.
func (m *emu) deactivated(t *testing.T, call string, err error, id int64) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	if u, _ := m.e.User(id); u.Active {
		t.Errorf("%d still active after %s", id, call)
	}
}

func TestRequesterLifecycle(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()

	u := must(m.c.CreateRequester(ctx, freshservice.UserFields{
		NameFields:      freshservice.NameFields{FirstName: ptr("Ron"), LastName: ptr("Weasley")},
		Email:           ptr("Ron.Weasley@Hogwarts.edu"),
		RequesterFields: freshservice.RequesterFields{SecondaryEmails: &[]string{"ron@example.com"}},
		ProfileFields:   freshservice.ProfileFields{WorkPhoneNumber: ptr("62443")},
		AgentFields:     freshservice.AgentFields{Roles: []freshservice.Role{{RoleID: 1}}, Occasional: ptr(true)}, // not sent
	}))(t)
	body := m.lastBody(t)
	if body["primary_email"] != "Ron.Weasley@Hogwarts.edu" || body["email"] != nil || body["roles"] != nil || body["occasional"] != nil {
		t.Errorf("create body = %v", body)
	}
	if u.ID == 0 || u.IsAgent || !u.Active || u.PrimaryEmail != "Ron.Weasley@Hogwarts.edu" || string(u.WorkPhoneNumber) != "62443" {
		t.Fatalf("created = %+v", u)
	}

	got := must(m.c.GetRequester(ctx, u.ID))(t)
	if got.ID != u.ID || got.FirstName != "Ron" || got.LastName != "Weasley" {
		t.Errorf("GetRequester = %+v", got)
	}

	found := must(m.c.FindUsersByEmail(ctx, "  RON.WEASLEY@hogwarts.edu "))(t)
	if len(found) != 1 || found[0].ID != u.ID {
		t.Errorf("FindUsersByEmail = %+v", found)
	}
	calls := m.calls()
	if q := calls[len(calls)-1]; q != "GET /requesters?email=ron.weasley%40hogwarts.edu&include_agents=true" {
		t.Errorf("lookup sent %q", q)
	}
	if none := must(m.c.FindUsersByEmail(ctx, "nobody@example.com"))(t); len(none) != 0 {
		t.Errorf("FindUsersByEmail(nobody) = %+v", none)
	}

	upd := must(m.c.UpdateRequester(ctx, u.ID, freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: ptr("Keeper")}}))(t)
	if upd.JobTitle != "Keeper" || upd.FirstName != "Ron" {
		t.Errorf("UpdateRequester = %+v", upd)
	}
	if body := m.lastBody(t); len(body) != 1 || body["job_title"] != "Keeper" {
		t.Errorf("update body = %v, want only job_title", body)
	}

	m.deactivated(t, "DeactivateRequester", m.c.DeactivateRequester(ctx, u.ID), u.ID)
	re := must(m.c.ReactivateRequester(ctx, u.ID))(t)
	if !re.Active || re.ID != u.ID {
		t.Errorf("ReactivateRequester = %+v", re)
	}

	agent := must(m.c.ConvertToAgent(ctx, u.ID))(t)
	if !agent.IsAgent || agent.ID != u.ID || agent.Email != "Ron.Weasley@Hogwarts.edu" {
		t.Errorf("ConvertToAgent = %+v", agent)
	}
	back := must(m.c.ConvertToRequester(ctx, u.ID))(t)
	if back.IsAgent || back.ID != u.ID {
		t.Errorf("ConvertToRequester = %+v", back)
	}

	removed(t, "ForgetRequester", m.c.ForgetRequester(ctx, u.ID), m.e.User, u.ID, m.c.GetRequester)
}

func TestRequesterDuplicateEmail(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	m.e.AddRequester(freshservice.User{FirstName: "A", PrimaryEmail: "a@example.com"})
	_, err := m.c.CreateRequester(context.Background(), freshservice.UserFields{NameFields: freshservice.NameFields{FirstName: ptr("B")}, Email: ptr("A@example.com")})
	if !freshservice.IsDuplicate(err) || freshservice.IsValidation(err) {
		t.Fatalf("err = %v, want a duplicate", err)
	}
	_, err = m.c.CreateRequester(context.Background(), freshservice.UserFields{Email: ptr("c@example.com")})
	var fe *freshservice.Error
	if !freshservice.IsValidation(err) || !errors.As(err, &fe) || len(fe.Errors) == 0 || fe.Errors[0].Field != "first_name" {
		t.Fatalf("err = %v, want a validation error on first_name", err)
	}
}

func TestAgentLifecycle(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()

	m.e.ResetCalls()
	if _, err := m.c.CreateAgent(ctx, freshservice.UserFields{NameFields: freshservice.NameFields{FirstName: ptr("R")}, Email: ptr("r@example.com")}); !errors.Is(err, freshservice.ErrRolesRequired) {
		t.Fatalf("CreateAgent without roles: %v", err)
	}
	if n := len(m.e.Calls()); n != 0 {
		t.Fatalf("a roleless CreateAgent sent %d calls", n)
	}

	roles := []freshservice.Role{{RoleID: freshservicetest.SDAgentRoleID, AssignmentScope: "entire_helpdesk"}}
	a := must(m.c.CreateAgent(ctx, freshservice.UserFields{
		NameFields:      freshservice.NameFields{FirstName: ptr("Rolanda"), LastName: ptr("Hooch")},
		Email:           ptr("rolanda.hooch@hogwarts.edu"),
		AgentFields:     freshservice.AgentFields{Roles: roles, Occasional: ptr(false)},
		RequesterFields: freshservice.RequesterFields{SecondaryEmails: &[]string{"x@example.com"}}, // not sent
	}))(t)
	body := m.lastBody(t)
	if body["email"] != "rolanda.hooch@hogwarts.edu" || body["primary_email"] != nil || body["secondary_emails"] != nil || body["roles"] == nil {
		t.Errorf("create body = %v", body)
	}
	if !a.IsAgent || a.ID == 0 || a.Email != "rolanda.hooch@hogwarts.edu" {
		t.Fatalf("CreateAgent = %+v", a)
	}

	if got := must(m.c.GetAgent(ctx, a.ID))(t); !got.IsAgent || got.LastName != "Hooch" {
		t.Errorf("GetAgent = %+v", got)
	}
	found := must(m.c.FindAgentsByEmail(ctx, "Rolanda.Hooch@Hogwarts.edu"))(t)
	if len(found) != 1 || found[0].ID != a.ID || !found[0].IsAgent {
		t.Errorf("FindAgentsByEmail = %+v", found)
	}
	// Agents are found by the requester lookup too, flagged by Freshservice itself.
	all := must(m.c.FindUsersByEmail(ctx, "rolanda.hooch@hogwarts.edu"))(t)
	if len(all) != 1 || !all[0].IsAgent {
		t.Errorf("FindUsersByEmail(agent) = %+v", all)
	}

	upd := must(m.c.UpdateAgent(ctx, a.ID, freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: ptr("Flying Instructor")}}))(t)
	if upd.JobTitle != "Flying Instructor" || !upd.IsAgent {
		t.Errorf("UpdateAgent = %+v", upd)
	}
	m.deactivated(t, "DeactivateAgent", m.c.DeactivateAgent(ctx, a.ID), a.ID)
	if re := must(m.c.ReactivateAgent(ctx, a.ID))(t); !re.Active || !re.IsAgent {
		t.Errorf("ReactivateAgent = %+v", re)
	}
	removed(t, "ForgetAgent", m.c.ForgetAgent(ctx, a.ID), m.e.User, a.ID, m.c.GetAgent)
}

func TestPagination(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()
	for i := range 250 {
		m.e.AddRequester(freshservice.User{FirstName: "R", PrimaryEmail: fmt.Sprintf("r%03d@example.com", i)})
	}
	for i := range 3 {
		m.e.AddAgent(freshservice.User{FirstName: "A", Email: fmt.Sprintf("a%d@example.com", i)})
	}

	tests := []struct {
		page, perPage int
		wantLen       int
		wantMore      bool
	}{
		{1, 100, 100, true},
		{3, 100, 50, false},
		{1, 0, 100, true}, // perPage out of range → 100
		{0, 250, 100, true},
		{9, 50, 0, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("page %d per %d", tt.page, tt.perPage), func(t *testing.T) {
			users, more, err := m.c.ListRequesters(ctx, tt.page, tt.perPage)
			if err != nil || len(users) != tt.wantLen || more != tt.wantMore {
				t.Fatalf("ListRequesters = %d users, more %v, %v; want %d, %v", len(users), more, err, tt.wantLen, tt.wantMore)
			}
		})
	}
	agents, more, err := m.c.ListAgents(ctx, 1, 2)
	if err != nil || len(agents) != 2 || !more || !agents[0].IsAgent {
		t.Fatalf("ListAgents = %+v, %v, %v", agents, more, err)
	}

	m.e.ResetCalls()
	tally := &freshservice.Tally{}
	var walked []freshservice.User
	err = m.c.WalkUsers(freshservice.WithTally(ctx, tally), func(u freshservice.User) error {
		walked = append(walked, u)
		return nil
	})
	if err != nil {
		t.Fatalf("WalkUsers: %v", err)
	}
	if want := len(m.e.Users()); len(walked) != want {
		t.Errorf("walked %d users, want %d", len(walked), want)
	}
	agentsSeen := 0
	for _, u := range walked {
		if u.IsAgent {
			agentsSeen++
		}
	}
	if agentsSeen != 4 { // three seeded and the key's owner
		t.Errorf("walked %d agents, want 4", agentsSeen)
	}
	wantCalls := []string{
		"GET /requesters?page=1&per_page=100", "GET /requesters?page=2&per_page=100",
		"GET /requesters?page=3&per_page=100", "GET /agents?page=1&per_page=100",
	}
	if got := m.calls(); !slices.Equal(got, wantCalls) {
		t.Errorf("calls = %q, want %q", got, wantCalls)
	}
	if tally.Calls() != 4 || tally.ListCalls() != 4 {
		t.Errorf("tally = %d calls, %d lists; want 4, 4", tally.Calls(), tally.ListCalls())
	}

	// An error from fn stops the walk and comes back as is.
	stop := errors.New("stop")
	n := 0
	err = m.c.WalkUsers(ctx, func(freshservice.User) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("WalkUsers stopped with %v after %d users", err, n)
	}
}

func TestDepartmentsAndLocations(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()
	for i := range 130 {
		m.e.AddDepartment(fmt.Sprintf("Dept %03d", i))
	}
	m.e.AddLocation("Hogsmeade")

	d := must(m.c.CreateDepartment(ctx, "Sales EU"))(t)
	if d.ID == 0 || d.Name != "Sales EU" {
		t.Fatalf("CreateDepartment = %+v", d)
	}
	if got := must(m.c.GetDepartment(ctx, d.ID))(t); got.Name != "Sales EU" {
		t.Errorf("GetDepartment = %+v", got)
	}
	if _, err := m.c.CreateDepartment(ctx, "Sales EU"); !freshservice.IsDuplicate(err) {
		t.Errorf("second CreateDepartment: %v, want a duplicate", err)
	}
	m.e.ResetCalls()
	depts := must(m.c.ListDepartments(ctx))(t)
	if len(depts) != 131 {
		t.Errorf("ListDepartments = %d, want 131", len(depts))
	}
	if n := len(m.e.Calls()); n != 2 {
		t.Errorf("ListDepartments made %d calls, want 2 pages", n)
	}

	l := must(m.c.CreateLocation(ctx, "Diagon Alley"))(t)
	if got := must(m.c.GetLocation(ctx, l.ID))(t); got.Name != "Diagon Alley" {
		t.Errorf("GetLocation = %+v", got)
	}
	locs := must(m.c.ListLocations(ctx))(t)
	if len(locs) != 2 {
		t.Errorf("ListLocations = %+v", locs)
	}
	notFound(m.c.GetLocation(ctx, l.ID+1000))(t, "GetLocation(missing)")
}

func TestRequesterGroups(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()
	r1 := m.e.AddRequester(freshservice.User{FirstName: "A", PrimaryEmail: "a@example.com"})
	r2 := m.e.AddRequester(freshservice.User{FirstName: "B", PrimaryEmail: "b@example.com"})
	m.e.AddRequesterGroup("Rules", true)

	g := must(m.c.CreateRequesterGroup(ctx, freshservice.GroupFields{Name: ptr("Staff"), Description: ptr("all staff"), Members: &[]int64{r1.ID}}))(t)
	if body := m.lastBody(t); body["members"] != nil {
		t.Errorf("create body = %v, members must not be sent", body)
	}
	if g.ID == 0 || g.Name != "Staff" || g.Type != freshservice.GroupTypeManual {
		t.Fatalf("CreateRequesterGroup = %+v", g)
	}
	if got := must(m.c.GetRequesterGroup(ctx, g.ID))(t); got.Description != "all staff" {
		t.Errorf("GetRequesterGroup = %+v", got)
	}
	if all := must(m.c.ListRequesterGroups(ctx))(t); len(all) != 2 {
		t.Errorf("ListRequesterGroups = %+v", all)
	}
	if upd := must(m.c.UpdateRequesterGroup(ctx, g.ID, freshservice.GroupFields{Name: ptr("Everyone")}))(t); upd.Name != "Everyone" {
		t.Errorf("UpdateRequesterGroup = %+v", upd)
	}

	for _, id := range []int64{r1.ID, r2.ID} {
		if err := m.c.AddRequesterGroupMember(ctx, g.ID, id); err != nil {
			t.Fatalf("AddRequesterGroupMember(%d): %v", id, err)
		}
	}
	members := must(m.c.ListRequesterGroupMembers(ctx, g.ID))(t)
	if len(members) != 2 || members[0].Email == "" {
		t.Errorf("ListRequesterGroupMembers = %+v", members)
	}
	if err := m.c.RemoveRequesterGroupMember(ctx, g.ID, r1.ID); err != nil {
		t.Fatalf("RemoveRequesterGroupMember: %v", err)
	}
	if got := m.e.RequesterGroupMembers(g.ID); !slices.Equal(got, []int64{r2.ID}) {
		t.Errorf("members after remove = %v", got)
	}
	removed(t, "DeleteRequesterGroup", m.c.DeleteRequesterGroup(ctx, g.ID), m.e.RequesterGroup, g.ID, m.c.GetRequesterGroup)
}

func TestAgentGroups(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()
	a1 := m.e.AddAgent(freshservice.User{FirstName: "A", Email: "a@example.com"})
	a2 := m.e.AddAgent(freshservice.User{FirstName: "B", Email: "b@example.com"})

	g := must(m.c.CreateAgentGroup(ctx, freshservice.GroupFields{Name: ptr("Desk"), Members: &[]int64{a1.ID}}))(t)
	if g.ID == 0 || !slices.Equal(g.Members, []int64{a1.ID}) {
		t.Fatalf("CreateAgentGroup = %+v", g)
	}
	if got := must(m.c.GetAgentGroup(ctx, g.ID))(t); got.Name != "Desk" {
		t.Errorf("GetAgentGroup = %+v", got)
	}
	if all := must(m.c.ListAgentGroups(ctx))(t); len(all) != 1 {
		t.Errorf("ListAgentGroups = %+v", all)
	}
	upd := must(m.c.UpdateAgentGroup(ctx, g.ID, freshservice.GroupFields{Members: &[]int64{a1.ID, a2.ID}}))(t)
	if !slices.Equal(upd.Members, []int64{a1.ID, a2.ID}) || upd.Name != "Desk" {
		t.Errorf("UpdateAgentGroup = %+v", upd)
	}
	empty := must(m.c.UpdateAgentGroup(ctx, g.ID, freshservice.GroupFields{Members: &[]int64{}}))(t)
	if len(empty.Members) != 0 {
		t.Errorf("emptied group = %+v", empty)
	}
	if body := m.lastBody(t); fmt.Sprint(body["members"]) != "[]" {
		t.Errorf("empty members body = %v, want members: []", body)
	}
	removed(t, "DeleteAgentGroup", m.c.DeleteAgentGroup(ctx, g.ID), m.e.AgentGroup, g.ID, m.c.GetAgentGroup)
}

func TestCheckKey(t *testing.T) {
	notFoundMe := freshservicetest.Fault{Status: http.StatusNotFound, PathPrefix: "/api/v2/agents/me"}
	tests := []struct {
		name      string
		key       string
		admin     bool
		fault     *freshservicetest.Fault
		wantErr   func(error) bool
		wantCalls []string
	}{
		{"admin key", testKey, true, nil, nil, []string{"GET /agents/me"}},
		{"unknown key", "wrong-key", true, nil, freshservice.IsUnauthorized, []string{"GET /agents/me"}},
		{"no /agents/me falls back", testKey, true, &notFoundMe, nil, []string{"GET /agents/me", "GET /agents?per_page=1"}},
		{"fallback with a non-admin key", testKey, false, &notFoundMe, freshservice.IsForbidden, []string{"GET /agents/me", "GET /agents?per_page=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newEmu(t, freshservicetest.Options{}, func(o *freshservice.Options) { o.APIKey = tt.key })
			m.e.AddAPIKey(testKey, tt.admin)
			if tt.fault != nil {
				m.e.InjectFault(*tt.fault, 1)
			}
			err := m.c.CheckKey(context.Background())
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("CheckKey: %v", err)
			case tt.wantErr != nil && !tt.wantErr(err):
				t.Fatalf("CheckKey = %v, not the expected class", err)
			}
			if got := m.calls(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("calls = %q, want %q", got, tt.wantCalls)
			}
		})
	}
}

// TestKeyOwnerAndRoles: KeyOwner names the agent owning the key (0 where /agents/me is missing, the
// key still checked), and ListRoles reads the account's roles with their types.
func TestKeyOwnerAndRoles(t *testing.T) {
	ctx := context.Background()
	m := newEmu(t, freshservicetest.Options{}, nil)
	owner := m.e.AddAPIKey(testKey, true)
	if id, err := m.c.KeyOwner(ctx); err != nil || id != owner.ID {
		t.Fatalf("KeyOwner = %d, %v; the key belongs to agent %d", id, err, owner.ID)
	}
	m.e.InjectFault(freshservicetest.Fault{Status: http.StatusNotFound, PathPrefix: "/api/v2/agents/me"}, 1)
	if id, err := m.c.KeyOwner(ctx); err != nil || id != 0 {
		t.Fatalf("KeyOwner without /agents/me = %d, %v; want 0 and no error", id, err)
	}
	custom := m.e.AddRole("Onboarding", false)
	roles, err := m.c.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]freshservice.RoleInfo{}
	for _, r := range roles {
		byID[r.ID] = r
	}
	if r := byID[freshservicetest.AccountAdminRoleID]; r.Name != "Account Admin" || r.RoleType != freshservice.RoleTypeAdmin || !r.Default {
		t.Errorf("Account Admin role read as %+v", r)
	}
	if r := byID[custom]; r.Name != "Onboarding" || r.RoleType != freshservice.RoleTypeAgent || r.Default {
		t.Errorf("custom role read as %+v", r)
	}
}

func TestEmulatorFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("GET survives a 503 and a dropped connection", func(t *testing.T) {
		m := newEmu(t, freshservicetest.Options{}, nil)
		r := m.e.AddRequester(freshservice.User{FirstName: "A", PrimaryEmail: "a@example.com"})
		m.e.InjectFault(freshservicetest.Fault{Status: 503, Method: "GET"}, 1)
		m.e.InjectFault(freshservicetest.Fault{Drop: true, Method: "GET"}, 1)
		if got := must(m.c.GetRequester(ctx, r.ID))(t); got.ID != r.ID {
			t.Fatalf("GetRequester = %+v", got)
		}
		// Counted at the emulator: Go's transport itself may resend a GET whose reused connection
		// was closed, so the client's own attempts can be fewer.
		var statuses []int
		for _, c := range m.e.Calls() {
			statuses = append(statuses, c.Status)
		}
		if !slices.Equal(statuses, []int{503, 0, 200}) {
			t.Errorf("answered statuses = %v, want [503 0 200]", statuses)
		}
	})
	t.Run("a POST whose answer is lost is not sent again", func(t *testing.T) {
		m := newEmu(t, freshservicetest.Options{}, nil)
		m.e.InjectFault(freshservicetest.Fault{AfterWrite: true, Drop: true, Method: "POST"}, 1)
		_, err := m.c.CreateRequester(ctx, freshservice.UserFields{NameFields: freshservice.NameFields{FirstName: ptr("A")}, Email: ptr("lost@example.com")})
		if !freshservice.IsUnavailable(err) {
			t.Fatalf("err = %v, want unavailable", err)
		}
		if n := len(m.e.Calls()); n != 1 {
			t.Errorf("emulator saw %d calls, want 1", n)
		}
		// The write happened: this is why writes are never retried blindly.
		if _, ok := m.e.UserByEmail("lost@example.com"); !ok {
			t.Error("the requester was not created")
		}
	})
	t.Run("latency beyond the timeout is unavailable", func(t *testing.T) {
		m := newEmu(t, freshservicetest.Options{}, func(o *freshservice.Options) {
			o.Timeout = 20 * time.Millisecond
			o.MaxGetRetries = -1
		})
		m.e.InjectFault(freshservicetest.Fault{Latency: time.Second}, 1)
		_, err := m.c.GetRequester(ctx, 1)
		if !freshservice.IsUnavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a timeout", err)
		}
	})
}

func TestObserverAndTally(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{}, nil)
	ctx := context.Background()
	g := m.e.AddRequesterGroup("Staff", false)
	r := m.e.AddRequester(freshservice.User{FirstName: "A", PrimaryEmail: "a@example.com"})

	tally := &freshservice.Tally{}
	tctx := freshservice.WithTally(ctx, tally)
	if _, err := m.c.FindUsersByEmail(tctx, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := m.c.AddRequesterGroupMember(tctx, g.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.c.GetRequester(tctx, r.ID+12345); !freshservice.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := m.c.ListRequesterGroupMembers(ctx, g.ID); err != nil { // not under the tally
		t.Fatal(err)
	}

	type seenCall struct {
		method, endpoint string
		status           int
		list             bool
	}
	var got []seenCall
	for _, ci := range m.log.all() {
		if ci.Duration <= 0 || ci.Attempt != 1 {
			t.Errorf("call info %+v: want a duration and attempt 1", ci)
		}
		got = append(got, seenCall{ci.Method, ci.Endpoint, ci.Status, ci.List})
	}
	want := []seenCall{
		{"GET", "/requesters", 200, true},
		{"POST", "/requester_groups/{id}/members/{member_id}", 200, false},
		{"GET", "/requesters/{id}", 404, false},
		{"GET", "/requester_groups/{id}/members", 200, true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("observed %+v, want %+v", got, want)
	}
	if tally.Calls() != 3 || tally.ListCalls() != 1 {
		t.Errorf("tally = %d calls, %d lists; want 3, 1", tally.Calls(), tally.ListCalls())
	}
}

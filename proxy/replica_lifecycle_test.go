package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store/budget"
)

// outOfBand is a Freshservice client of the harness's account: changes made through it are made in
// Freshservice directly, not through fsscim.
func (h *harness) outOfBand() *freshservice.Client {
	h.t.Helper()
	c, err := freshservice.New(freshservice.Options{BaseURL: h.emuURL + "/api/v2", APIKey: h.apiKey})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// titleOf answers the user's title as GET /Users/{id} gives it.
func (h *harness) titleOf(id int64) string {
	h.t.Helper()
	r := h.do(http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", id), nil)
	if r.Status != http.StatusOK {
		h.t.Fatalf("get %d: %d %s", id, r.Status, r.Body)
	}
	title, _ := r.JSON(h.t)["title"].(string)
	return title
}

// eventually polls cond until it holds or a few seconds have passed; a background refresh runs on
// its own goroutine.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// listCalls counts the calls that list requesters or agents: the refreshes' walks and queries.
func listCalls(calls []string) []string {
	var out []string
	for _, c := range calls {
		if strings.HasPrefix(c, "GET /requesters?") || strings.HasPrefix(c, "GET /agents?") {
			out = append(out, c)
		}
	}
	return out
}

// TestOutOfBandChangeSeenAfterRefresh changes a user in Freshservice directly: fsscim keeps
// answering the replica's state until its staleness bound has passed, and the next read starts the
// refresh that brings the change in. A small account is walked whole; in a larger one where few
// users changed since the last refresh, only the users Freshservice's filter query finds updated
// are read.
func TestOutOfBandChangeSeenAfterRefresh(t *testing.T) {
	for _, tt := range []struct {
		name      string
		users     int
		wantQuery bool
	}{
		{"small account walked whole", 3, false},
		{"larger account refreshed by what changed", 350, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			h := newHarness(t, withEmulator(freshservicetest.Options{Now: clock.Now}), withServer(func(o *proxy.Options) { o.Now = clock.Now }))
			var target freshservice.User
			for i := range tt.users {
				target = h.emu.AddRequester(freshservice.User{FirstName: "U", LastName: strconv.Itoa(i), PrimaryEmail: fmt.Sprintf("u%d@contoso.com", i), JobTitle: "Clerk"})
			}
			clock.Add(72 * time.Hour) // the users were made days before fsscim started
			h.warmIndex()
			if got := h.titleOf(target.ID); got != "Clerk" {
				t.Fatalf("title %q before the change", got)
			}

			title := "Head Clerk"
			if _, err := h.outOfBand().UpdateRequester(context.Background(), target.ID, freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: &title}}); err != nil {
				t.Fatal(err)
			}
			clock.Add(time.Minute)
			if got := h.titleOf(target.ID); got != "Clerk" {
				t.Fatalf("within the staleness bound the replica answered %q; a read should not have gone to Freshservice", got)
			}
			h.emu.ResetCalls()
			clock.Add(10 * time.Minute) // past the bound of a small account (5 minutes)
			if !eventually(func() bool { return h.titleOf(target.ID) == "Head Clerk" }) {
				t.Fatalf("the change made in Freshservice was not seen after the refresh; calls %v", h.calls())
			}
			lists := listCalls(h.callsWithQuery())
			queried := slices.ContainsFunc(lists, func(c string) bool { return strings.Contains(c, "query=") })
			walked := slices.ContainsFunc(lists, func(c string) bool { return strings.Contains(c, "per_page=100") })
			if queried != tt.wantQuery || walked == tt.wantQuery {
				t.Errorf("refresh calls %v: want a filter query %v, a full walk %v", lists, tt.wantQuery, !tt.wantQuery)
			}
			if tt.wantQuery && len(lists) > 2 {
				t.Errorf("an incremental refresh of one changed user made %d list calls: %v", len(lists), lists)
			}
		})
	}
}

// settableBudget is a rate budget whose remaining calls the test sets.
type settableBudget struct{ remaining atomic.Int64 }

func (*settableBudget) Take(context.Context, bool) error { return nil }
func (*settableBudget) Observe(int, http.Header)         {}
func (b *settableBudget) Remaining() int                 { return int(b.remaining.Load()) }
func (*settableBudget) Limit() int                       { return 100 }
func (*settableBudget) SetLimits(int, int)               {}

// TestReplicaRefreshWaitsForBudget checks that a due refresh is not started while less than a quarter
// of the minute's budget is left (its list calls would delay the writes Entra waits for), and is once
// budget is back.
func TestReplicaRefreshWaitsForBudget(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	b := &settableBudget{}
	b.remaining.Store(100)
	h := newHarness(t, withServer(func(o *proxy.Options) {
		o.Now = clock.Now
		o.NewBudget = func(*config.Tenant, time.Duration) budget.Budget { return b }
	}))
	u := h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com", JobTitle: "Clerk"})
	h.warmIndex()
	title := "Head Clerk"
	if _, err := h.outOfBand().UpdateRequester(context.Background(), u.ID, freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: &title}}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	h.emu.ResetCalls()
	b.remaining.Store(20) // under a quarter of 100
	started := strings.Count(h.logs.String(), "directory replica refresh started")
	if got := h.titleOf(u.ID); got != "Clerk" {
		t.Fatalf("title %q", got)
	}
	// A refresh is started by the request itself, before it answers.
	if n := strings.Count(h.logs.String(), "directory replica refresh started"); n != started {
		t.Fatalf("a refresh started with the budget low")
	}
	b.remaining.Store(100)
	if !eventually(func() bool { return h.titleOf(u.ID) == "Head Clerk" }) {
		t.Fatalf("no refresh once the budget was back; calls %v", h.calls())
	}
}

// TestGrowingAccountRefreshedByItsSize fills an account through fsscim, as a first sync does: the
// staleness bound follows the account's size as it is now, so refreshes do not walk the growing
// account again each time the size it had at the last refresh allowed, and the list calls stay a
// small share of the limit. The hour's bound still holds.
func TestGrowingAccountRefreshedByItsSize(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	b := &settableBudget{}
	b.remaining.Store(100)
	// 4 list calls a minute: a walk of w list calls is a fortieth of that every 10·w minutes.
	h := newHarness(t, withTenant("rate_limit:\n  list_per_minute: 4"),
		withEmulator(freshservicetest.Options{Now: clock.Now}),
		withServer(func(o *proxy.Options) {
			o.Now = clock.Now
			o.NewBudget = func(*config.Tenant, time.Duration) budget.Budget { return b }
		}))
	h.warmIndex() // the first walk, of an account with only the key's agent: 2 calls, 20 minutes
	h.emu.ResetCalls()
	refreshed := func() int { return strings.Count(h.logs.String(), "directory replica refreshed") }
	before := refreshed()
	n := 0
	grow := func(minutes int) {
		for range minutes {
			for range 10 {
				h.createUser(entraUserBody(fmt.Sprintf("hire%d@contoso.com", n)))
				n++
			}
			clock.Add(time.Minute)
			h.warmIndex()
		}
	}
	grow(45)
	// At 20 minutes the account has 200 users: a walk of 4 list calls, whose bound is 40 minutes; at
	// 40, 400 users and 60 minutes; then the hour is up.
	if lists := listCalls(h.callsWithQuery()); len(lists) != 0 || refreshed() != before {
		t.Fatalf("in 45 minutes of growth %d refreshes made list calls %v", refreshed()-before, lists)
	}
	grow(15)
	if !eventually(func() bool { return refreshed() == before+1 }) {
		t.Fatalf("no refresh within the hour; calls %v", listCalls(h.callsWithQuery()))
	}
	if lists := listCalls(h.callsWithQuery()); len(lists) > 8 {
		t.Errorf("the hour's refresh of %d users made %d list calls: %v", n, len(lists), lists)
	}
}

// restart builds a second server over the harness's store and tenant files, as a restarted fsscim,
// and points the harness at it.
func (h *harness) restart() {
	h.t.Helper()
	h.http.Close()
	h.srv.Close() // the last save of the replicas
	h.srv, h.http = serveProxy(h.t, h.opts)
}

// TestRestartAnswersWithoutWalking restarts fsscim: the new process loads the replica its
// predecessor saved and answers with no list call, the user created before the restart included.
func TestRestartAnswersWithoutWalking(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.emu.AddRequester(freshservice.User{FirstName: "U", PrimaryEmail: fmt.Sprintf("u%d@contoso.com", i)})
	}
	h.warmIndex()
	id := h.createUser(entraUserBody("new.hire@contoso.com"))
	h.restart()
	h.emu.ResetCalls()
	if got := h.lookupIDs(`userName eq "new.hire@contoso.com"`); !slices.Equal(got, []string{id}) {
		t.Fatalf("after the restart the lookup found %v, want [%s]", got, id)
	}
	if got := h.lookupIDs(`userName eq "u3@contoso.com"`); len(got) != 1 {
		t.Fatalf("after the restart a user of the account is not found: %v", got)
	}
	if calls := h.calls(); !slices.Equal(calls, []string{"GET /agents/me"}) {
		t.Errorf("after the restart: calls %v, want only the key check", calls)
	}
}

// TestRestartAfterCrashRefreshesAtOnce stops fsscim without its last save, as a crash or a kill
// does: the copy it left is marked open, so the next process answers from it but refreshes at once
// instead of waiting out the staleness bound, and a change made in Freshservice meanwhile shows.
func TestRestartAfterCrashRefreshesAtOnce(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, withEmulator(freshservicetest.Options{Now: clock.Now}), withServer(func(o *proxy.Options) {
		o.Now = clock.Now
		o.ReplicaTick = 10 * time.Millisecond
	}))
	u := h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com", JobTitle: "Clerk"})
	h.warmIndex()
	if got := h.titleOf(u.ID); got != "Clerk" {
		t.Fatalf("title %q", got)
	}
	time.Sleep(100 * time.Millisecond) // the scheduler saves the copy, marked open
	title := "Head Clerk"
	if _, err := h.outOfBand().UpdateRequester(context.Background(), u.ID, freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: &title}}); err != nil {
		t.Fatal(err)
	}
	// The crash: the first server is never closed, so it makes no last save.
	h.http.Close()
	h.srv, h.http = serveProxy(t, h.opts)
	clock.Add(time.Minute) // well within the bound of 5 minutes
	if !eventually(func() bool { return h.titleOf(u.ID) == "Head Clerk" }) {
		t.Fatalf("after the crash the replica was not refreshed; calls %v", h.calls())
	}
}

// TestRevokedKeyStopsReplicaReads revokes the API key in Freshservice: reads answered from the
// replica stop within a minute (the key is checked again), with the 401 Entra shows the admin.
func TestRevokedKeyStopsReplicaReads(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, withServer(func(o *proxy.Options) {
		o.Now = clock.Now
		o.KeyCheckInterval = time.Hour // a minute at most, whatever the server says
	}))
	u := h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com"})
	h.warmIndex()
	h.emu.RevokeAPIKey(h.apiKey)
	clock.Add(61 * time.Second)
	for _, path := range []string{
		fmt.Sprintf("/scim/v2/Users/%d", u.ID),
		"/scim/v2/Users?filter=" + entraFilter(`userName eq "ann@contoso.com"`),
		"/scim/v2/Groups?excludedAttributes=members&filter=" + entraFilter(`displayName eq "Sales"`),
	} {
		if r := h.do(http.MethodGet, path, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("%s a minute after the key was revoked: %d %s, want 401", path, r.Status, r.Body)
		}
	}
}

// TestChangesMakeOnlyTheWrite checks that PATCH, PUT and a disable start from the replica: each costs
// the one write, with no read before it, and the answer and later reads show Freshservice's answer.
func TestChangesMakeOnlyTheWrite(t *testing.T) {
	h := newHarness(t)
	h.warmIndex()
	id := h.createUser(entraUserBody("ann@contoso.com"))
	for _, tt := range []struct {
		name   string
		method string
		body   any
		want   []string
	}{
		{"patch", http.MethodPatch, userPatchBody(patchOp("Replace", "title", "Lead")), []string{"PUT /requesters/" + id}},
		{"put", http.MethodPut, map[string]any{"schemas": []string{usersURNCore}, "userName": "ann@contoso.com", "title": "Chief",
			"name": map[string]any{"givenName": "Test", "familyName": "User"}, "emails": []any{map[string]any{"type": "work", "value": "ann@contoso.com", "primary": true}}},
			[]string{"PUT /requesters/" + id}},
		{"disable", http.MethodPatch, userPatchBody(patchOp("Replace", "active", "False")), []string{"DELETE /requesters/" + id}},
		{"patch that changes nothing", http.MethodPatch, userPatchBody(patchOp("Replace", "title", "Chief")), []string{}},
	} {
		h.emu.ResetCalls()
		r := h.do(tt.method, "/scim/v2/Users/"+id, tt.body)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.name, r.Status, r.Body)
		}
		if calls := h.calls(); !slices.Equal(calls, tt.want) && !(len(calls) == 0 && len(tt.want) == 0) {
			t.Errorf("%s: calls %v, want %v", tt.name, calls, tt.want)
		}
	}
	h.emu.ResetCalls()
	r := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
	if body := r.JSON(t); body["title"] != "Chief" || body["active"] != false || len(h.calls()) != 0 {
		t.Errorf("read after the changes: %s (calls %v)", r.Body, h.calls())
	}
}

// TestFailedWritesAndTheReplica: a write Freshservice refuses leaves the replica as it was (the next
// read costs nothing and shows the old state); one whose outcome is unknown makes the next read ask
// Freshservice.
func TestFailedWritesAndTheReplica(t *testing.T) {
	h := newHarness(t)
	h.warmIndex()
	id := h.createUser(entraUserBody("ann@contoso.com"))
	uid, _ := strconv.ParseInt(id, 10, 64)

	h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusBadRequest, Method: http.MethodPut}, 1)
	if r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", "title", "Lead"))); r.Status != http.StatusBadRequest {
		t.Fatalf("refused patch: %d %s", r.Status, r.Body)
	}
	h.emu.ResetCalls()
	if got := h.titleOf(uid); got != "" || len(h.calls()) != 0 {
		t.Fatalf("after a refused write: title %q, calls %v; want the old state, no call", got, h.calls())
	}

	// The answer is lost after Freshservice made the change.
	h.emu.InjectFault(freshservicetest.Fault{AfterWrite: true, Status: http.StatusBadGateway, Method: http.MethodPut}, 1)
	if r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", "title", "Lead"))); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("patch with a lost answer: %d %s", r.Status, r.Body)
	}
	h.emu.ResetCalls()
	if got := h.titleOf(uid); got != "Lead" || !slices.Equal(h.calls(), []string{"GET /requesters/" + id}) {
		t.Fatalf("after a write of unknown outcome: title %q, calls %v; want Freshservice's state, read once", got, h.calls())
	}
	h.emu.ResetCalls()
	if got := h.titleOf(uid); got != "Lead" || len(h.calls()) != 0 {
		t.Fatalf("the read did not settle the replica: title %q, calls %v", got, h.calls())
	}
}

package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// groupPatch is a PatchOp body with the given operations.
func groupPatch(ops ...map[string]any) map[string]any { return userPatchBody(ops...) }

// groupMemberOp is an operation on members with Entra's {"$ref": null, "value": id} list.
func groupMemberOp(kind string, ids ...int64) map[string]any {
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = map[string]any{"$ref": nil, "value": strconv.FormatInt(id, 10)}
	}
	return map[string]any{"op": kind, "path": "members", "value": values}
}

func groupActiveOp(active string) map[string]any {
	return map[string]any{"op": "Replace", "path": "active", "value": active}
}

// groupCreate makes an empty group through SCIM and returns its id.
func groupCreate(t *testing.T, h *harness, name string) int64 {
	t.Helper()
	r := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{"displayName": name})
	if r.Status != http.StatusCreated {
		t.Fatalf("create group %q: %d %s", name, r.Status, r.Body)
	}
	id, err := strconv.ParseInt(r.JSON(t)["id"].(string), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seedGroupUsers adds n active users (agents or requesters) and returns their ids.
func seedGroupUsers(h *harness, n int, agents bool) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		u := freshservice.User{FirstName: "User", LastName: strconv.Itoa(i), PrimaryEmail: fmt.Sprintf("user%03d@contoso.com", i)}
		if agents {
			u.Email = u.PrimaryEmail
			ids[i] = h.emu.AddAgent(u).ID
		} else {
			ids[i] = h.emu.AddRequester(u).ID
		}
	}
	return ids
}

// groupWarmIndex makes Entra's first lookup, which builds the directory index.
func groupWarmIndex(t *testing.T, h *harness) {
	t.Helper()
	if r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22c0ffee00-0000-4000-8000-000000000000%22", nil); r.Status != http.StatusOK {
		t.Fatalf("warm-up lookup: %d %s", r.Status, r.Body)
	}
}

func groupCountCalls(calls []string, pattern string) int {
	re := regexp.MustCompile(pattern)
	n := 0
	for _, c := range calls {
		if re.MatchString(c) {
			n++
		}
	}
	return n
}

func groupSortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestGroupRestoreAfterReactivation(t *testing.T) {
	tests := []struct {
		name string
		// meanwhile runs while the user is deactivated, with the two groups' ids.
		meanwhile func(t *testing.T, h *harness, keep, other int64)
		status    int
		// wantOther is whether the user is back in the other group.
		wantOther  bool
		wantRecord []string // what the user's record holds afterwards: "keep", "other"
	}{
		{
			name:       "both memberships come back",
			meanwhile:  func(*testing.T, *harness, int64, int64) {},
			status:     http.StatusOK,
			wantOther:  true,
			wantRecord: []string{"keep", "other"},
		},
		{
			name: "a group deleted in Freshservice is forgotten",
			meanwhile: func(t *testing.T, h *harness, _, other int64) {
				groupAdminCall(t, h, http.MethodDelete, "/requester_groups/"+strconv.FormatInt(other, 10))
			},
			status:     http.StatusOK,
			wantRecord: []string{"keep"},
		},
		{
			name: "an outage fails the reactivation and keeps the record",
			meanwhile: func(t *testing.T, h *harness, keep, _ int64) {
				h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusServiceUnavailable, Method: http.MethodPost,
					PathPrefix: fmt.Sprintf("/api/v2/requester_groups/%d/members/", keep)}, 1)
			},
			status:     http.StatusServiceUnavailable,
			wantRecord: []string{"keep", "other"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			users := seedGroupUsers(h, 2, false)
			ann, ben := users[0], users[1]
			keep, other := groupCreate(t, h, "Keep"), groupCreate(t, h, "Other")
			for _, g := range []int64{keep, other} {
				if r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", g), groupPatch(groupMemberOp("Add", ann, ben))); r.Status != http.StatusNoContent {
					t.Fatalf("add members: %d %s", r.Status, r.Body)
				}
			}
			annPath := fmt.Sprintf("/scim/v2/Users/%d", ann)
			if r := h.do(http.MethodPatch, annPath, groupPatch(groupActiveOp("False"))); r.Status != http.StatusOK {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
			if got := h.emu.RequesterGroupMembers(keep); !slices.Equal(got, []int64{ben}) {
				t.Fatalf("after deactivation the group holds %v; the emulator should have dropped %d", got, ann)
			}
			tt.meanwhile(t, h, keep, other)

			r := h.do(http.MethodPatch, annPath, groupPatch(groupActiveOp("True")))
			if r.Status != tt.status {
				t.Fatalf("enable: %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			if tt.status == http.StatusOK && !slices.Contains(h.emu.RequesterGroupMembers(keep), ann) {
				t.Errorf("not back in group Keep: %v", h.emu.RequesterGroupMembers(keep))
			}
			if got := slices.Contains(h.emu.RequesterGroupMembers(other), ann); got != tt.wantOther {
				t.Errorf("back in group Other: %t, want %t", got, tt.wantOther)
			}
			rec, _, err := h.store.GetUser(context.Background(), testDomain, ann)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, w := range tt.wantRecord {
				want = append(want, map[string]int64{"keep": keep, "other": other}[w])
			}
			if !slices.Equal(groupSortedIDs(rec.RequesterGroups), groupSortedIDs(want)) {
				t.Errorf("recorded groups %v, want %v", rec.RequesterGroups, want)
			}
		})
	}
}

func TestAgentGroupConcurrentPatchesLoseNoMember(t *testing.T) {
	h := newHarness(t, withTenant("groups: {target: agent_groups}"))
	agents := seedGroupUsers(h, 30, true)
	initial, joiners := agents[:10], agents[10:]
	gid := groupCreate(t, h, "Support")
	if r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", gid), groupPatch(groupMemberOp("Add", initial...))); r.Status != http.StatusNoContent {
		t.Fatalf("seed members: %d %s", r.Status, r.Body)
	}

	// Every joiner is added by its own PATCH and half the initial members are removed by theirs,
	// all at once: each PATCH reads the whole list, changes it and writes it back.
	leavers := initial[:5]
	var wg sync.WaitGroup
	statuses := make(chan string, len(joiners)+len(leavers))
	send := func(kind string, id int64) {
		defer wg.Done()
		r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", gid), groupPatch(groupMemberOp(kind, id)))
		if r.Status != http.StatusNoContent {
			statuses <- fmt.Sprintf("%s %d: %d %s", kind, id, r.Status, r.Body)
		}
	}
	for _, id := range joiners {
		wg.Add(1)
		go send("Add", id)
	}
	for _, id := range leavers {
		wg.Add(1)
		go send("Remove", id)
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		t.Error(s)
	}
	g, ok := h.emu.AgentGroup(gid)
	if !ok {
		t.Fatal("group gone")
	}
	want := groupSortedIDs(append(slices.Clone(initial[5:]), joiners...))
	if got := groupSortedIDs(g.Members); !slices.Equal(got, want) {
		t.Fatalf("members after concurrent PATCHes:\n got %v\nwant %v", got, want)
	}
}

func TestRequesterGroupLargeBatch(t *testing.T) {
	h := newHarness(t)
	users := seedGroupUsers(h, 250, false)
	gid := groupCreate(t, h, "Everyone at HQ")
	path := fmt.Sprintf("/scim/v2/Groups/%d", gid)
	h.emu.ResetCalls()

	r := h.do(http.MethodPatch, path, groupPatch(groupMemberOp("Add", users...)))
	if r.Status != http.StatusNoContent {
		t.Fatalf("batch add: %d %s", r.Status, r.Body)
	}
	if got := h.emu.RequesterGroupMembers(gid); !slices.Equal(got, groupSortedIDs(users)) {
		t.Fatalf("group holds %d members, want all %d", len(got), len(users))
	}
	calls := h.calls()
	if n := groupCountCalls(calls, `^POST /requester_groups/\d+/members/\d+$`); n != len(users) {
		t.Errorf("%d member adds, want %d", n, len(users))
	}
	// So many members unknown to fsscim are checked against the directory index, built once,
	// instead of one read each.
	if n := groupCountCalls(calls, `^GET /(requesters|agents)/\d+$`); n != 0 {
		t.Errorf("%d single-user reads; the index should have answered", n)
	}

	// Entra's retry of the same PATCH finds everyone in and writes nothing.
	h.emu.ResetCalls()
	if r := h.do(http.MethodPatch, path, groupPatch(groupMemberOp("Add", users...))); r.Status != http.StatusNoContent {
		t.Fatalf("repeated batch: %d %s", r.Status, r.Body)
	}
	if n := groupCountCalls(h.calls(), `^(POST|DELETE) `); n != 0 {
		t.Errorf("the repeated batch made %d writes: %v", n, h.calls())
	}
}

// groupAddedRE and groupLostRE read what a partial answer says was added (and sent without a confirmation).
var (
	groupAddedRE = regexp.MustCompile(`Added (\d+) of (\d+) members(?: \(([\d, ]+)\))?`)
	groupLostRE  = regexp.MustCompile(`Not confirmed[^:]*: add \(([\d, ]+)\)`)
)

func groupParseIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			id, _ := strconv.ParseInt(f, 10, 64)
			out = append(out, id)
		}
	}
	return out
}

func TestRequesterGroupBatchCutShort(t *testing.T) {
	tests := []struct {
		name   string
		opts   []harnessOption
		users  int
		arm    func(h *harness, gid int64, users []int64)
		status int
		// exact: the answer's added list must be exactly the group's members (no call was in flight
		// when the work stopped).
		exact bool
	}{
		{
			name:  "Freshservice fails one member",
			users: 20,
			arm: func(h *harness, gid int64, users []int64) {
				h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusServiceUnavailable, Method: http.MethodPost,
					PathPrefix: fmt.Sprintf("/api/v2/requester_groups/%d/members/%d", gid, users[7])}, 1)
			},
			status: http.StatusServiceUnavailable,
			exact:  true,
		},
		{
			// Slow calls: the batch cannot finish within the request's time, so fsscim stops
			// early enough to answer.
			name:   "the request's time runs out",
			opts:   []harnessOption{withServer(func(o *proxy.Options) { o.RequestTimeout = 1500 * time.Millisecond })},
			users:  200,
			arm:    func(h *harness, _ int64, _ []int64) { h.emu.SetLatency(40 * time.Millisecond) },
			status: http.StatusServiceUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.opts...)
			users := seedGroupUsers(h, tt.users, false)
			groupWarmIndex(t, h)
			gid := groupCreate(t, h, "Sales")
			path := fmt.Sprintf("/scim/v2/Groups/%d", gid)
			tt.arm(h, gid, users)

			r := h.do(http.MethodPatch, path, groupPatch(groupMemberOp("Add", users...)))
			h.emu.SetLatency(0)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if r.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			detail, _ := r.JSON(t)["detail"].(string)
			m := groupAddedRE.FindStringSubmatch(detail)
			if m == nil {
				t.Fatalf("the answer does not say what was added: %q", detail)
			}
			added := groupParseIDs(m[3])
			if n, _ := strconv.Atoi(m[1]); n != len(added) || m[2] != strconv.Itoa(len(users)) || n == len(users) {
				t.Fatalf("answer says %s of %s added, listing %d: %q", m[1], m[2], len(added), detail)
			}
			var lost []int64
			if lm := groupLostRE.FindStringSubmatch(detail); lm != nil {
				lost = groupParseIDs(lm[1])
			}
			members := h.emu.RequesterGroupMembers(gid)
			for _, id := range added {
				if !slices.Contains(members, id) {
					t.Errorf("the answer says %d was added, but it is not a member", id)
				}
			}
			for _, id := range members {
				if !slices.Contains(added, id) && !slices.Contains(lost, id) {
					t.Errorf("%d is a member, but the answer neither says it was added nor that it is unconfirmed", id)
				}
			}
			if tt.exact && !slices.Equal(groupSortedIDs(added), members) {
				t.Errorf("added %v, members %v", groupSortedIDs(added), members)
			}

			// Entra sends the same PATCH again: it completes, adding only who is missing.
			h.emu.ResetCalls()
			r = h.do(http.MethodPatch, path, groupPatch(groupMemberOp("Add", users...)))
			if r.Status != http.StatusNoContent {
				t.Fatalf("retry: %d %s", r.Status, r.Body)
			}
			if got := h.emu.RequesterGroupMembers(gid); !slices.Equal(got, groupSortedIDs(users)) {
				t.Fatalf("after the retry the group holds %d of %d", len(got), len(users))
			}
			if n := groupCountCalls(h.calls(), `^POST /requester_groups/\d+/members/`); n != len(users)-len(members) {
				t.Errorf("the retry made %d adds, want %d (the missing ones)", n, len(users)-len(members))
			}
		})
	}
}

func TestRequesterGroupBatchRateLimitAnswer(t *testing.T) {
	h := newHarness(t)
	users := seedGroupUsers(h, 3, false)
	gid := groupCreate(t, h, "Sales")
	h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second, Method: http.MethodPost,
		PathPrefix: fmt.Sprintf("/api/v2/requester_groups/%d/members/", gid)}, -1)
	r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", gid), groupPatch(groupMemberOp("Add", users...)))
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "7" {
		t.Fatalf("status %d Retry-After %q, want 429 and 7: %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	body := r.JSON(t)
	if body["status"] != "429" || !strings.Contains(body["detail"].(string), "Added 0 of 3 members") {
		t.Fatalf("answer: %s", r.Body)
	}
}

func TestGroupListReadsMembersOnlyForItsPage(t *testing.T) {
	for _, target := range []string{"requester_groups", "agent_groups"} {
		t.Run(target, func(t *testing.T) {
			h := newHarness(t, withTenant("groups: {target: "+target+"}"))
			users := seedGroupUsers(h, 2, target == "agent_groups")
			var gids []int64
			for _, name := range []string{"A", "B", "C"} {
				gid := groupCreate(t, h, name)
				gids = append(gids, gid)
				if r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", gid), groupPatch(groupMemberOp("Add", users...))); r.Status != http.StatusNoContent {
					t.Fatalf("add: %d %s", r.Status, r.Body)
				}
			}
			tests := []struct {
				name        string
				query       string
				wantIDs     []int64
				withMembers bool
				memberReads int // requester groups only: agent groups carry their members
			}{
				{"excluded members", "?excludedAttributes=members", gids, false, 0},
				{"attributes without members", "?attributes=displayName", gids, false, 0},
				{"second page with members", "?startIndex=2&count=1", gids[1:2], true, 1},
				{"count zero", "?count=0", nil, false, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					h.emu.ResetCalls()
					r := h.do(http.MethodGet, "/scim/v2/Groups"+tt.query, nil)
					if r.Status != http.StatusOK {
						t.Fatalf("%d %s", r.Status, r.Body)
					}
					body := r.JSON(t)
					if body["totalResults"] != float64(3) {
						t.Errorf("totalResults %v, want 3", body["totalResults"])
					}
					resources, _ := body["Resources"].([]any)
					var got []int64
					for _, res := range resources {
						m := res.(map[string]any)
						id, _ := strconv.ParseInt(m["id"].(string), 10, 64)
						got = append(got, id)
						members, has := m["members"].([]any)
						if has != tt.withMembers || has && len(members) != 2 {
							t.Errorf("group %d members %v, want present=%t with 2", id, m["members"], tt.withMembers)
						}
					}
					if !slices.Equal(got, tt.wantIDs) {
						t.Errorf("groups %v, want %v", got, tt.wantIDs)
					}
					want := tt.memberReads
					if target == "agent_groups" {
						want = 0
					}
					if n := groupCountCalls(h.calls(), `/members`); n != want {
						t.Errorf("%d member list reads, want %d: %v", n, want, h.calls())
					}
				})
			}
		})
	}
}

// groupAdminCall makes an API call to the emulator behind fsscim's back, as an admin or another
// integration would.
func groupAdminCall(t *testing.T, h *harness, method, path string) {
	t.Helper()
	if r := h.emuCall(method, path); r.Status >= 300 {
		t.Fatalf("%s %s: %d", method, path, r.Status)
	}
}

func TestMemberChangedBehindFsscimsBack(t *testing.T) {
	h := newHarness(t)
	users := seedGroupUsers(h, 3, false)
	groupWarmIndex(t, h)
	gid := groupCreate(t, h, "Sales")
	// The index still knows users[1] as a requester.
	groupAdminCall(t, h, http.MethodPut, fmt.Sprintf("/requesters/%d/convert_to_agent", users[1]))

	path := fmt.Sprintf("/scim/v2/Groups/%d", gid)
	r := h.do(http.MethodPatch, path, groupPatch(groupMemberOp("Add", users...)))
	detail, _ := r.JSON(t)["detail"].(string)
	if r.Status != http.StatusBadRequest || !strings.Contains(detail, fmt.Sprintf("Freshservice refused member %d", users[1])) {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	m := groupAddedRE.FindStringSubmatch(detail)
	if m == nil {
		t.Fatalf("the answer does not say what was added: %q", detail)
	}
	if got := h.emu.RequesterGroupMembers(gid); !slices.Equal(groupSortedIDs(groupParseIDs(m[3])), got) {
		t.Fatalf("answer says %v were added, the group holds %v", groupParseIDs(m[3]), got)
	}

	// Entra's retry now gets the refusal before any write.
	h.emu.ResetCalls()
	r = h.do(http.MethodPatch, path, groupPatch(groupMemberOp("Add", users...)))
	detail, _ = r.JSON(t)["detail"].(string)
	if r.Status != http.StatusBadRequest || !strings.Contains(detail, fmt.Sprintf("member \"%d\" is an agent", users[1])) ||
		!strings.Contains(detail, "Nothing in this request was applied") {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
	if n := groupCountCalls(h.calls(), `^(POST|PUT|DELETE) `); n != 0 {
		t.Fatalf("the refused retry wrote: %v", h.calls())
	}
}

func TestCreateWithMembersIsWholeOrNothing(t *testing.T) {
	h := newHarness(t)
	users := seedGroupUsers(h, 5, false)
	groupWarmIndex(t, h)
	members := make([]any, len(users))
	for i, id := range users {
		members[i] = map[string]any{"value": strconv.FormatInt(id, 10)}
	}
	body := map[string]any{"displayName": "Sales", "members": members}
	h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusBadGateway, Method: http.MethodPost,
		PathPrefix: "/api/v2/requester_groups/"}, 1)

	r := h.do(http.MethodPost, "/scim/v2/Groups", body)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if detail, _ := r.JSON(t)["detail"].(string); !strings.Contains(detail, "was deleted again") {
		t.Fatalf("detail: %s", detail)
	}
	if n := groupCountCalls(h.calls(), `^DELETE /requester_groups/\d+$`); n != 1 {
		t.Fatalf("the half-made group was not deleted: %v", h.calls())
	}
	lookup := h.do(http.MethodGet, "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", nil)
	if lookup.JSON(t)["totalResults"] != float64(0) {
		t.Fatalf("a group was left behind: %s", lookup.Body)
	}

	r = h.do(http.MethodPost, "/scim/v2/Groups", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("retried create: %d %s", r.Status, r.Body)
	}
	gid, _ := strconv.ParseInt(r.JSON(t)["id"].(string), 10, 64)
	if got := h.emu.RequesterGroupMembers(gid); !slices.Equal(got, groupSortedIDs(users)) {
		t.Fatalf("members %v, want %v", got, users)
	}
}

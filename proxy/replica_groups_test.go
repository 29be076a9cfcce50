package proxy_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

// TestGroupLookupsFromReplica checks Entra's group lookups against the replica: by displayName (any
// case) and by externalId, absent or the last of 250 groups, without members and without a
// Freshservice call; the membership check costs nothing for an agent group, whose members the
// replica holds, and one members read for a requester group, whose members it does not.
func TestGroupLookupsFromReplica(t *testing.T) {
	for _, target := range []string{"requester_groups", "agent_groups"} {
		t.Run(target, func(t *testing.T) {
			h := newHarness(t, withTenant("groups: {target: "+target+"}"))
			var member freshservice.User
			var last int64
			for i := range 250 {
				name := fmt.Sprintf("Team %03d", i)
				if target == "agent_groups" {
					last = h.emu.AddAgentGroup(name).ID
				} else {
					last = h.emu.AddRequesterGroup(name, false).ID
				}
			}
			if target == "agent_groups" {
				member = h.emu.AddAgent(freshservice.User{FirstName: "Ann", Email: "ann@contoso.com", MemberOf: []int64{last}})
			} else {
				member = h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com"})
				if err := h.emu.AddRequesterGroupMember(last, member.ID); err != nil {
					t.Fatal(err)
				}
			}
			h.warmIndex()
			h.emu.ResetCalls()
			lookup := func(filter string) (ids []string, raw string) {
				t.Helper()
				r := h.do(http.MethodGet, "/scim/v2/Groups?excludedAttributes=members&filter="+entraFilter(filter), nil)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d %s", filter, r.Status, r.Body)
				}
				return hdListIDs(t, r), string(r.Body)
			}
			if ids, _ := lookup(`displayName eq "Team 999"`); len(ids) != 0 {
				t.Errorf("an absent name found %v", ids)
			}
			ids, raw := lookup(`displayName eq "team 249"`)
			if !slices.Equal(ids, []string{strconv.FormatInt(last, 10)}) {
				t.Errorf("the last group by name in another case: %v", ids)
			}
			if strings.Contains(raw, `"members":`) {
				t.Errorf("a lookup without members answered members: %s", raw)
			}
			if calls := h.calls(); len(calls) != 0 {
				t.Errorf("lookups by displayName called Freshservice: %v", calls)
			}
			check := fmt.Sprintf(`id eq "%d" and members eq "%d"`, last, member.ID)
			r := h.do(http.MethodGet, "/scim/v2/Groups?attributes=id&filter="+entraFilter(check), nil)
			if got := hdListIDs(t, r); !slices.Equal(got, []string{strconv.FormatInt(last, 10)}) {
				t.Errorf("membership check: %d %s", r.Status, r.Body)
			}
			want := []string{fmt.Sprintf("GET /requester_groups/%d/members", last)}
			if target == "agent_groups" {
				want = nil
			}
			if calls := h.calls(); !slices.Equal(calls, want) {
				t.Errorf("membership check calls %v, want %v", calls, want)
			}
		})
	}
}

// TestSearchAndProjection checks POST /.search (RFC 7644 §3.4.3) on /Users, /Groups and the root,
// and attributes / excludedAttributes (§3.9) on lists, reads and writes: id and schemas always come
// back, the rest only as asked.
func TestSearchAndProjection(t *testing.T) {
	h := newHarness(t)
	h.emu.AddRequesterGroup("Sales", false)
	h.emu.AddRequesterGroup("Support", false)
	h.warmIndex()
	id := h.createUser(entraUserBody("ann@contoso.com"))
	h.createUser(entraUserBody("ben@contoso.com"))
	search := func(path string, body map[string]any) map[string]any {
		t.Helper()
		body["schemas"] = []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}
		r := h.do(http.MethodPost, path, body)
		if r.Status != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	res := func(body map[string]any) []map[string]any {
		var out []map[string]any
		list, _ := body["Resources"].([]any)
		for _, x := range list {
			out = append(out, x.(map[string]any))
		}
		return out
	}

	got := search("/scim/v2/Users/.search", map[string]any{"filter": `userName ew "contoso.com"`, "attributes": []string{"userName"}, "count": 1})
	if got["totalResults"] != float64(2) || got["itemsPerPage"] != float64(1) {
		t.Errorf("paged search: %v", got)
	}
	for _, r := range res(got) {
		if len(r) != 3 || r["id"] == nil || r["schemas"] == nil || r["userName"] == nil {
			t.Errorf("attributes=userName answered %v", r)
		}
	}
	// The root searches users then groups, paged as one list.
	root := search("/scim/v2/.search", map[string]any{"filter": `meta.resourceType pr`, "startIndex": 3, "count": 2, "excludedAttributes": []string{"meta"}})
	all := res(root)
	if root["totalResults"].(float64) < 5 || len(all) != 2 {
		t.Fatalf("root search page: %v", root)
	}
	if all[0]["meta"] != nil {
		t.Errorf("excludedAttributes=meta answered meta: %v", all[0])
	}
	groups := search("/scim/v2/Groups/.search", map[string]any{"filter": `displayName sw "S"`, "excludedAttributes": []string{"members"}})
	if groups["totalResults"] != float64(2) {
		t.Errorf("group search: %v", groups)
	}
	r := h.do(http.MethodPost, "/scim/v2/Users/.search", map[string]any{"filter": `userName pr`})
	if r.Status != http.StatusBadRequest {
		t.Errorf("a search without the SearchRequest schema: %d", r.Status)
	}

	// On a read and a write.
	r = h.do(http.MethodGet, "/scim/v2/Users/"+id+"?attributes=name.givenName,urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent", nil)
	body := r.JSON(t)
	name, _ := body["name"].(map[string]any)
	ext, _ := body[usersURNFreshservice].(map[string]any)
	if len(body) != 4 || len(name) != 1 || name["givenName"] != "Test" || ext["isAgent"] != "false" {
		t.Errorf("attributes on a read: %s", r.Body)
	}
	r = h.do(http.MethodPatch, "/scim/v2/Users/"+id+"?excludedAttributes=emails,name", userPatchBody(patchOp("Replace", "title", "Lead")))
	body = r.JSON(t)
	if r.Status != http.StatusOK || body["emails"] != nil || body["name"] != nil || body["title"] != "Lead" || body["id"] != id {
		t.Errorf("excludedAttributes on a PATCH answer: %s", r.Body)
	}
	// A value filter in attributes, which some clients send, takes the attribute whole.
	r = h.do(http.MethodGet, "/scim/v2/Users?attributes="+entraFilter(`emails[type eq "work"]`)+"&filter="+entraFilter(`userName eq "ann@contoso.com"`), nil)
	if items := res(r.JSON(t)); len(items) != 1 || items[0]["emails"] == nil || items[0]["userName"] != nil {
		t.Errorf("attributes=emails[type eq \"work\"]: %s", r.Body)
	}
}

package proxy_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
)

// Okta's SCIM 2.0 client, as Okta documents its requests: the "SCIM 2.0 Test App (Header Auth)" with
// Create Users, Update User Attributes and Deactivate Users enabled, user import, and Push Groups.
// Profile updates are a PUT of the whole user after a GET; deactivation and reactivation a path-less
// PATCH of active; groups are pushed with POST, changed with PATCH and unlinked with DELETE.

const oktaPatch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`

// TestOktaFlow_ImportPages: "Test API Credentials" and user import read /Users and /Groups page by
// page (startIndex, count); every user comes exactly once, with what Okta needs of it, and paging
// values are integers.
func TestOktaFlow_ImportPages(t *testing.T) {
	h := newHarness(t)
	for _, e := range []string{"imp.a@example.com", "imp.b@example.com", "imp.c@example.com"} {
		seedPerson(h, e, nil)
	}
	r := h.do(http.MethodGet, "/scim/v2/Users?startIndex=1&count=2", nil)
	wantStatus(t, r, http.StatusOK)
	if g := h.do(http.MethodGet, "/scim/v2/Groups?startIndex=1&count=100", nil); g.Status != http.StatusOK {
		t.Fatalf("GET /Groups: %d %s", g.Status, g.Body)
	}
	first := r.JSON(t)
	total, ok := first["totalResults"].(float64)
	if !ok || total < 3 {
		t.Fatalf("totalResults = %#v, want a number of at least 3", first["totalResults"])
	}
	if _, ok := first["startIndex"].(float64); !ok {
		t.Errorf("startIndex = %#v, want an integer", first["startIndex"])
	}
	seen := map[string]bool{}
	for start := 1; start <= int(total); start += 2 {
		page := h.do(http.MethodGet, "/scim/v2/Users?startIndex="+strconv.Itoa(start)+"&count=2", nil).JSON(t)
		for _, res := range page["Resources"].([]any) {
			id, _ := jsonAt(res, "id").(string)
			if seen[id] {
				t.Errorf("user %s on two pages", id)
			}
			seen[id] = true
			for _, p := range [][]any{{"userName"}, {"active"}, {"name", "givenName"}, {"emails", 0, "value"}} {
				if jsonAt(res, p...) == nil {
					t.Errorf("user %s lacks %v", id, p)
				}
			}
		}
	}
	if len(seen) != int(total) {
		t.Errorf("the pages held %d users, totalResults says %v", len(seen), total)
	}
}

// TestOktaFlow_UserLifecycle: Okta looks the user up, creates it (with a password fsscim ignores),
// updates it with a PUT of the whole user (what the PUT leaves out is cleared), and deactivates and
// reactivates it with PATCH, or with a PUT of active for app integrations that update through PUT.
func TestOktaFlow_UserLifecycle(t *testing.T) {
	h := newHarness(t)
	q := url.Values{"filter": {`userName eq "test.user@okta.example"`}, "startIndex": {"1"}, "count": {"100"}}
	look := h.do(http.MethodGet, "/scim/v2/Users?"+q.Encode(), nil)
	wantStatus(t, look, http.StatusOK)
	if n := look.JSON(t)["totalResults"]; n != float64(0) {
		t.Fatalf("lookup before the create found %v users", n)
	}
	id := h.createUser(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"test.user@okta.example","name":{"givenName":"Test","familyName":"User"},
		"emails":[{"primary":true,"value":"test.user@okta.example","type":"work"}],"displayName":"Test User",
		"locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true,"title":"Tester"}`)
	uid, _ := strconv.ParseInt(id, 10, 64)
	if got := fsUser(h, uid); got.FirstName != "Test" || got.JobTitle != "Tester" || string(got.ExternalID) != "00ujl29u0le5T6Aj10h7" {
		t.Errorf("Freshservice holds %+v after the create", got)
	}
	if look = h.do(http.MethodGet, "/scim/v2/Users?"+q.Encode(), nil); look.JSON(t)["totalResults"] != float64(1) {
		t.Errorf("lookup after the create: %s", look.Body)
	}

	// Update User Attributes: GET, then PUT of the whole user as Okta now has it.
	got := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
	wantStatus(t, got, http.StatusOK)
	put := h.do(http.MethodPut, "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`",
		"userName":"test.user@okta.example","name":{"givenName":"Another","middleName":"Excited","familyName":"User"},
		"emails":[{"primary":true,"value":"test.user@okta.example","type":"work","display":"test.user@okta.example"}],
		"active":true,"groups":[],"meta":{"resourceType":"User"}}`)
	wantStatus(t, put, http.StatusOK)
	if fu := fsUser(h, uid); fu.FirstName != "Another" || fu.JobTitle != "" {
		t.Errorf("after the PUT Freshservice holds first name %q and title %q; want Another and none", fu.FirstName, fu.JobTitle)
	}
	if m := jsonAt(put.JSON(t), "name", "middleName"); m != "Excited" {
		t.Errorf("middleName read back as %#v", m)
	}

	// Deactivate Users, then reactivate, as PATCH.
	for _, active := range []bool{false, true} {
		p := h.do(http.MethodPatch, "/scim/v2/Users/"+id, oktaPatch+`[{"op":"replace","value":{"active":`+strconv.FormatBool(active)+`}}]}`)
		wantStatus(t, p, http.StatusOK)
		if got := p.JSON(t)["active"]; got != active {
			t.Errorf("PATCH active %v answered active %#v", active, got)
		}
		if fu := fsUser(h, uid); fu.Active != active {
			t.Errorf("PATCH active %v: Freshservice active = %v", active, fu.Active)
		}
	}
	// App integrations built with Okta's wizard deactivate with a PUT.
	put = h.do(http.MethodPut, "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`",
		"userName":"test.user@okta.example","name":{"givenName":"Another","familyName":"User"},
		"emails":[{"primary":true,"value":"test.user@okta.example","type":"work"}],"active":false}`)
	wantStatus(t, put, http.StatusOK)
	if fu := fsUser(h, uid); fu.Active {
		t.Error("a PUT of active false left the user active in Freshservice")
	}
}

// TestOktaFlow_GroupPush: Push Groups creates the group, adds and removes members, replaces them as
// a whole, renames it with a path-less replace that carries the group's id, and unlinking deletes it.
func TestOktaFlow_GroupPush(t *testing.T) {
	h := newHarness(t)
	a := seedPerson(h, "push.a@example.com", nil)
	b := seedPerson(h, "push.b@example.com", nil)
	c := seedPerson(h, "push.c@example.com", nil)
	r := h.do(http.MethodPost, "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`)
	wantStatus(t, r, http.StatusCreated)
	gid, _ := r.JSON(t)["id"].(string)
	id, _ := strconv.ParseInt(gid, 10, 64)
	members := func() []int64 {
		m := h.emu.RequesterGroupMembers(id)
		slices.Sort(m)
		return m
	}
	patch := func(ops string) {
		t.Helper()
		p := h.do(http.MethodPatch, "/scim/v2/Groups/"+gid, oktaPatch+ops+`}`)
		if p.Status != http.StatusNoContent && p.Status != http.StatusOK {
			t.Fatalf("PATCH %s: %d %s", ops, p.Status, p.Body)
		}
	}
	patch(`[{"op":"add","path":"members","value":[{"value":"` + idString(a.ID) + `","display":"push.a@example.com"},{"value":"` + idString(b.ID) + `","display":"push.b@example.com"}]}]`)
	if got := members(); !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Errorf("after add: members %v", got)
	}
	patch(`[{"op":"remove","path":"members[value eq \"` + idString(a.ID) + `\"]"},{"op":"add","path":"members","value":[{"value":"` + idString(c.ID) + `","display":"push.c@example.com"}]}]`)
	if got := members(); !slices.Equal(got, []int64{b.ID, c.ID}) {
		t.Errorf("after remove and add: members %v", got)
	}
	patch(`[{"op":"replace","path":"members","value":[{"value":"` + idString(a.ID) + `","display":"push.a@example.com"}]}]`)
	if got := members(); !slices.Equal(got, []int64{a.ID}) {
		t.Errorf("after replace: members %v", got)
	}
	patch(`[{"op":"replace","value":{"id":"` + gid + `","displayName":"Test SCIMv20"}}]`)
	if g, _ := h.emu.RequesterGroup(id); g.Name != "Test SCIMv20" {
		t.Errorf("after rename: Freshservice group name %q", g.Name)
	}
	if d := h.do(http.MethodDelete, "/scim/v2/Groups/"+gid, nil); d.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", d.Status, d.Body)
	}
	if _, ok := h.emu.RequesterGroup(id); ok {
		t.Error("the unlinked group still exists in Freshservice")
	}
	if _, ok := h.emu.User(a.ID); !ok {
		t.Error("deleting the group deleted its member")
	}
}

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

// entraFilter encodes a filter as Entra sends it: + for spaces, %22 for quotes.
func entraFilter(f string) string {
	return strings.NewReplacer(" ", "+", `"`, "%22", "@", "%40", "[", "%5B", "]", "%5D", "'", "%27", "+", "%2B").Replace(f)
}

// lookupIDs sends GET /Users with filter and returns the ids answered, checking that totalResults
// and itemsPerPage agree with them.
func (h *harness) lookupIDs(filter string) []string {
	h.t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Users?filter="+entraFilter(filter), nil)
	if r.Status != http.StatusOK {
		h.t.Fatalf("%s: %d %s", filter, r.Status, r.Body)
	}
	ids := hdListIDs(h.t, r)
	body := r.JSON(h.t)
	if body["totalResults"] != float64(len(ids)) || body["itemsPerPage"] != float64(len(ids)) {
		h.t.Fatalf("%s: totalResults %v, itemsPerPage %v for %d resources", filter, body["totalResults"], body["itemsPerPage"], len(ids))
	}
	slices.Sort(ids)
	return ids
}

// TestReplayMatchingAttributes replays Entra's lookups through each of the sixteen attributes
// Microsoft's Freshservice tutorial lists as supported for matching, in the form Entra sends them:
// Test Connection's random GUID (200, empty), a user made in Freshservice before fsscim started, a
// user created through fsscim a moment ago (found by the values as it sent them), and values two
// users share (both found). Every lookup is answered from the directory replica: no Freshservice
// call after the first.
func TestReplayMatchingAttributes(t *testing.T) {
	h := newHarness(t)
	dept := h.emu.AddDepartment("Engineering")
	boss := h.emu.AddRequester(freshservice.User{FirstName: "Mia", LastName: "Boss", PrimaryEmail: "mia@contoso.com"})
	seeded := func(email, mobile, external string) freshservice.User {
		return h.emu.AddRequester(freshservice.User{
			FirstName: "Ada", LastName: "Lovelace", PrimaryEmail: email, JobTitle: "Analyst",
			WorkPhoneNumber: "+44 20 7946 0000", MobilePhoneNumber: freshservice.FlexString(mobile),
			Address: "12 St James's Square", TimeZone: "London", Language: "en",
			ExternalID: freshservice.FlexString(external), DepartmentIDs: []int64{dept.ID},
			ReportingManagerID: freshservice.ID(boss.ID),
		})
	}
	// Made in Freshservice before fsscim started, sharing every value two people can share.
	ada := seeded("ada@contoso.com", "+44 7700 900001", "ext-ada")
	bob := seeded("ada.l@contoso.com", "+44 7700 900002", "ext-ada-2")

	h.warmIndex()
	// Created through fsscim a moment ago, with every attribute.
	cy := h.createUser(map[string]any{
		"schemas":     []string{usersURNCore, usersURNEnterprise, usersURNFreshservice},
		"userName":    "cy@contoso.com",
		"externalId":  "8c1a6a0e-cy",
		"active":      true,
		"displayName": "Cy Young",
		"title":       "Pitcher",
		"locale":      "en-GB",
		"timezone":    "Europe/London",
		"name":        map[string]any{"givenName": "Cy", "familyName": "Young"},
		"emails":      []any{map[string]any{"type": "work", "value": "cy.young@contoso.com", "primary": true}},
		"phoneNumbers": []any{
			map[string]any{"type": "work", "value": "+44 20 7946 0999"},
			map[string]any{"type": "mobile", "value": "+44 7700 900999"},
		},
		"addresses":          []any{map[string]any{"type": "work", "formatted": "1 Ballpark Way"}},
		usersURNEnterprise:   map[string]any{"department": "Engineering", "manager": map[string]any{"value": strconv.FormatInt(boss.ID, 10)}},
		usersURNFreshservice: map[string]any{"isAgent": "False"},
	})
	h.emu.ResetCalls()

	adaID, bobID := strconv.FormatInt(ada.ID, 10), strconv.FormatInt(bob.ID, 10)
	const guid = `"b4fa7c1e-0000-4000-8000-000000000000"`
	bossID := strconv.FormatInt(boss.ID, 10)
	tests := []struct {
		attr string
		// seededValue finds Ada (and, when shared, Bob); cyValue finds Cy.
		seededValue, cyValue string
		shared               bool
	}{
		{"userName", `"Ada@Contoso.com"`, `"cy@contoso.com"`, false},
		{"active", `"True"`, `"True"`, true},
		{`emails[type eq "work"].value`, `"ada@contoso.com"`, `"cy.young@contoso.com"`, false},
		{"displayName", `"Ada Lovelace"`, `"Cy Young"`, true},
		{"name.givenName", `"Ada"`, `"Cy"`, true},
		{"name.familyName", `"Lovelace"`, `"Young"`, true},
		{`phoneNumbers[type eq "work"].value`, `"+44 20 7946 0000"`, `"+44 20 7946 0999"`, true},
		{`phoneNumbers[type eq "mobile"].value`, `"+44 7700 900001"`, `"+44 7700 900999"`, false},
		{`addresses[type eq "work"].formatted`, `"12 St James's Square"`, `"1 Ballpark Way"`, true},
		{"locale", `"en"`, `"en-GB"`, true},
		{"title", `"Analyst"`, `"Pitcher"`, true},
		{"timezone", `"Europe/London"`, `"Europe/London"`, true},
		{"externalId", `"ext-ada"`, `"8c1a6a0e-cy"`, false},
		{usersURNEnterprise + ":department", `"Engineering"`, `"Engineering"`, true},
		{usersURNEnterprise + ":manager", `"` + bossID + `"`, `"` + bossID + `"`, true},
		{usersURNFreshservice + ":isAgent", `"False"`, `"False"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.attr, func(t *testing.T) {
			h.t = t
			if got := h.lookupIDs(tt.attr + " eq " + guid); len(got) != 0 {
				t.Errorf("Test Connection's GUID found %v", got)
			}
			got := h.lookupIDs(tt.attr + " eq " + tt.seededValue)
			switch {
			case tt.shared && !(slices.Contains(got, adaID) && slices.Contains(got, bobID)):
				t.Errorf("the shared value %s found %v, want both %s and %s among them", tt.seededValue, got, adaID, bobID)
			case !tt.shared && !slices.Equal(got, []string{adaID}):
				t.Errorf("%s found %v, want the user made in Freshservice before, %s", tt.seededValue, got, adaID)
			}
			if got := h.lookupIDs(tt.attr + " eq " + tt.cyValue); !slices.Contains(got, cy) {
				t.Errorf("%s found %v, want the user created a moment ago, %s, among them", tt.cyValue, got, cy)
			}
			if calls := h.calls(); len(calls) != 0 {
				t.Errorf("lookups called Freshservice: %v", calls)
			}
		})
	}
}

// TestFilterGrammarOverHTTP runs filters of the whole grammar through GET /Users and POST
// /Users/.search against the replica: logic, value paths, ordering, presence, and the 400 that
// names what could not be used.
func TestFilterGrammarOverHTTP(t *testing.T) {
	h := newHarness(t)
	for i, u := range []struct{ email, first, last, title string }{
		{"ann@contoso.com", "Ann", "Lee", "Analyst"},
		{"ben@contoso.com", "Ben", "Lee", "Engineer"},
		{"cid@example.org", "Cid", "Moe", ""},
	} {
		h.emu.AddRequester(freshservice.User{FirstName: u.first, LastName: u.last, PrimaryEmail: u.email, JobTitle: u.title,
			ExternalID: freshservice.FlexString(fmt.Sprintf("x-%d", i))})
	}
	h.warmIndex()
	h.emu.ResetCalls()
	// The API key's own agent is a user of the account too.
	const keyOwner = "api.key.1@emulator.invalid"
	names := func(r response) []string {
		t.Helper()
		var out []string
		res, _ := r.JSON(t)["Resources"].([]any)
		for _, x := range res {
			out = append(out, x.(map[string]any)["userName"].(string))
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{`name.familyName eq "lee" and (emails.value co "contoso" or emails.value co "example.org")`, []string{"ann@contoso.com", "ben@contoso.com"}},
		{`userName sw "AN"`, []string{"ann@contoso.com"}},
		{`userName ew ".ORG"`, []string{"cid@example.org"}},
		{`title pr`, []string{"ann@contoso.com", "ben@contoso.com"}},
		{`not (title pr)`, []string{keyOwner, "cid@example.org"}},
		{`title ne "Analyst"`, []string{keyOwner, "ben@contoso.com", "cid@example.org"}},
		{`name.givenName gt "Apple" and name.givenName lt "Cid"`, []string{"ben@contoso.com"}},
		{`emails[type eq "work" and value ew "example.org"]`, []string{"cid@example.org"}},
		{`meta.created gt "2000-01-01T00:00:00Z" and externalId eq "x-1"`, []string{"ben@contoso.com"}},
		{`externalId eq "X-1"`, nil}, // externalId is caseExact
		{`urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "cid"`, []string{"cid@example.org"}},
	} {
		r := h.do(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(tt.filter), nil)
		if r.Status != http.StatusOK {
			t.Errorf("%s: %d %s", tt.filter, r.Status, r.Body)
			continue
		}
		if got := names(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.filter, got, tt.want)
		}
		s := h.do(http.MethodPost, "/scim/v2/Users/.search", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": tt.filter})
		if s.Status != http.StatusOK || !slices.Equal(names(s), tt.want) {
			t.Errorf("POST .search %s: %d %s", tt.filter, s.Status, s.Body)
		}
	}
	for _, tt := range []struct{ filter, part string }{
		{`ims eq "x"`, "ims"},
		{`title zz "x"`, "zz"},
		{`active gt true`, "active gt true"},
		{`userName eq "a" and (title pr`, "(title"},
	} {
		r := h.do(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(tt.filter), nil)
		body := r.JSON(t)
		detail, _ := body["detail"].(string)
		if r.Status != http.StatusBadRequest || body["scimType"] != "invalidFilter" || !strings.Contains(detail, tt.part) {
			t.Errorf("%s: %d %s, want 400 invalidFilter naming %q", tt.filter, r.Status, r.Body, tt.part)
		}
	}
	if calls := h.calls(); len(calls) != 0 {
		t.Errorf("filters called Freshservice: %v", calls)
	}
}

// TestOktaReads checks the reads Okta's provisioning makes: user import paged with startIndex and
// count (itemsPerPage the number returned), its userName lookup in another case, an unknown userName
// (an empty list) and an unknown id (404), and its group lookup by displayName.
func TestOktaReads(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.emu.AddRequester(freshservice.User{FirstName: "U", LastName: strconv.Itoa(i), PrimaryEmail: fmt.Sprintf("u%d@okta.example", i)})
	}
	h.emu.AddRequesterGroup("Okta Admins", false)
	h.warmIndex()
	h.emu.ResetCalls()
	var seen []string
	for start := 1; ; start += 2 {
		r := h.do(http.MethodGet, fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=2", start), nil)
		body := r.JSON(t)
		ids := hdListIDs(t, r)
		if r.Status != http.StatusOK || body["totalResults"] != float64(6) || body["itemsPerPage"] != float64(len(ids)) || body["startIndex"] != float64(start) {
			t.Fatalf("page at %d: %d %s", start, r.Status, r.Body)
		}
		seen = append(seen, ids...)
		if len(ids) < 2 {
			break
		}
	}
	slices.Sort(seen)
	if len(slices.Compact(seen)) != 6 {
		t.Errorf("the pages gave %v, want 6 different users", seen)
	}
	if got := h.lookupIDs(`userName eq "U3@OKTA.EXAMPLE"`); len(got) != 1 {
		t.Errorf("userName in another case: %v", got)
	}
	if got := h.lookupIDs(`userName eq "nobody@okta.example"`); len(got) != 0 {
		t.Errorf("an unknown userName: %v", got)
	}
	r := h.do(http.MethodGet, "/scim/v2/Groups?filter="+entraFilter(`displayName eq "Okta Admins"`), nil)
	if got := hdListIDs(t, r); r.Status != http.StatusOK || len(got) != 1 {
		t.Errorf("group by displayName: %d %s", r.Status, r.Body)
	}
	if calls := h.calls(); len(calls) != 1 || !strings.HasPrefix(calls[0], "GET /requester_groups/") {
		t.Errorf("Okta's reads called Freshservice: %v (want only the group's members, which the answer carries)", calls)
	}
	if r := h.do(http.MethodGet, "/scim/v2/Users/00919288221112222", nil); r.Status != http.StatusNotFound {
		t.Errorf("an unknown id: %d", r.Status)
	}
}

// TestFiltersFindWhatFsscimKeeps: filters, answered from the directory replica, find users by what
// they read back: the attributes fsscim keeps itself, isAgent in the spelling the client sent it, and
// the enterprise "_location" of the users whose client writes it there, and of no one else.
func TestFiltersFindWhatFsscimKeeps(t *testing.T) {
	h := newHarness(t)
	h.emu.AddLocation("Berlin")
	create := func(body string) string { return h.createUser(entraBody(body, nil)) }
	kept := create(`{"schemas":["%CORE%","%ENT%","%FS%"],"userName":"kept@example.com","nickName":"Kiki",
		"name":{"givenName":"Kept","familyName":"User","middleName":"Quinn"},
		"%ENT%":{"employeeNumber":"701984","_location":"Berlin"},"%FS%":{"isAgent":"False"}}`)
	plain := create(`{"schemas":["%CORE%","%FS%"],"userName":"plain@example.com",
		"name":{"givenName":"Plain","familyName":"User"},"%FS%":{"location":"Berlin"}}`)
	both := []string{kept, plain}
	slices.Sort(both)
	h.emu.ResetCalls()
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{`nickName eq "kiki"`, []string{kept}},
		{`name.middleName sw "Q"`, []string{kept}},
		{urnEnterprise + `:employeeNumber eq "701984"`, []string{kept}},
		{urnEnterprise + `:_location eq "berlin"`, []string{kept}},
		{urnFreshservice + `:location eq "berlin"`, both},
		{`name.familyName eq "User" and ` + urnFreshservice + `:isAgent eq "False"`, both},
		{`name.familyName eq "User" and ` + urnFreshservice + `:isAgent eq true`, nil},
	} {
		if got := h.lookupIDs(tt.filter); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.filter, got, tt.want)
		}
	}
	if calls := h.calls(); len(calls) != 0 {
		t.Errorf("filters called Freshservice: %v", calls)
	}
}

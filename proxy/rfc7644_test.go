package proxy_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// Tests named after the RFC 7643/7644 clause they guard; README's "What fsscim answers where" lists
// them.

// TestRFC7644_3_3_CreateAnswersLocation: a 201 carries the new resource's absolute URI in Location,
// and meta.location is that URI (RFC 7644 §3.1, §3.3), for users and groups.
func TestRFC7644_3_3_CreateAnswersLocation(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/scim/v2/Users", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "loc@example.com",
		"name": map[string]any{"givenName": "Lo", "familyName": "Cation"},
	})
	wantStatus(t, r, http.StatusCreated)
	id, _ := r.JSON(t)["id"].(string)
	want := h.http.URL + "/scim/v2/Users/" + id
	if got := r.Header.Get("Location"); got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	if got := jsonAt(r.JSON(t), "meta", "location"); got != want {
		t.Errorf("meta.location = %v, want %q", got, want)
	}
	get := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
	if got := jsonAt(get.JSON(t), "meta", "location"); got != want {
		t.Errorf("GET meta.location = %v, want %q", got, want)
	}
	if loc := get.Header.Get("Location"); loc != "" {
		t.Errorf("a GET answers Location %q; only a create does", loc)
	}

	g := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Located",
	})
	wantStatus(t, g, http.StatusCreated)
	gid, _ := g.JSON(t)["id"].(string)
	if got, want := g.Header.Get("Location"), h.http.URL+"/scim/v2/Groups/"+gid; got != want {
		t.Errorf("group Location = %q, want %q", got, want)
	}
}

// TestRFC7644_3_1_LocationBehindTrustedProxy: behind a TLS-terminating proxy named in
// --trusted-proxies, locations take the scheme the proxy names in X-Forwarded-Proto; from any other
// peer that header is ignored.
func TestRFC7644_3_1_LocationBehindTrustedProxy(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted bool
		want    string
	}{
		{"trusted proxy", true, "https://scim.example.com/scim/v2/Users/"},
		{"untrusted peer", false, "http://scim.example.com/scim/v2/Users/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withServer(func(o *proxy.Options) {
				if tt.trusted {
					o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
				}
			}))
			u := seedPerson(h, "proxied@example.com", nil)
			req, err := http.NewRequest(http.MethodGet, h.http.URL+"/scim/v2/Users/"+idString(u.ID), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "scim.example.com"
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("Authorization", "Bearer "+h.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := jsonDecode(resp, &body); err != nil {
				t.Fatal(err)
			}
			if got := jsonAt(body, "meta", "location"); got != tt.want+idString(u.ID) {
				t.Errorf("meta.location = %v, want %s", got, tt.want+idString(u.ID))
			}
		})
	}
}

// TestRFC7643_4_2_GroupMembersCarryRefAndType: each member of a group answer names its URI ($ref)
// and its type.
func TestRFC7643_4_2_GroupMembersCarryRefAndType(t *testing.T) {
	h := newHarness(t)
	ann := seedPerson(h, "ann.member@example.com", nil)
	g := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Refs",
		"members": []any{map[string]any{"value": idString(ann.ID)}},
	})
	wantStatus(t, g, http.StatusCreated)
	gid, _ := g.JSON(t)["id"].(string)
	r := h.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil)
	wantStatus(t, r, http.StatusOK)
	member := jsonAt(r.JSON(t), "members", 0)
	if got := jsonAt(member, "$ref"); got != h.http.URL+"/scim/v2/Users/"+idString(ann.ID) {
		t.Errorf("member $ref = %v", got)
	}
	if got := jsonAt(member, "type"); got != "User" {
		t.Errorf("member type = %v, want User", got)
	}
}

// TestRFC7644_3_7_BulkIsNotImplemented: /Bulk answers 501 with a SCIM error, as ServiceProviderConfig
// says bulk is not supported.
func TestRFC7644_3_7_BulkIsNotImplemented(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}`)
	wantSCIMError(t, r, http.StatusNotImplemented, "")
	if w := writes(h); len(w) > 0 {
		t.Errorf("a bulk request wrote to Freshservice: %v", w)
	}
}

// TestRFC7643_5_ServiceProviderConfig: the configuration says what fsscim supports: PATCH and
// filters (with the largest page), and not bulk, sort, ETags or password changes.
// serviceProviderFeatures are what ServiceProviderConfig must say fsscim supports, and does not.
var serviceProviderFeatures = []jsonWant{
	{[]any{"patch", "supported"}, true},
	{[]any{"filter", "supported"}, true},
	{[]any{"filter", "maxResults"}, float64(100)},
	{[]any{"bulk", "supported"}, false},
	{[]any{"sort", "supported"}, false},
	{[]any{"etag", "supported"}, false},
}

func TestRFC7643_5_ServiceProviderConfig(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/scim/v2/ServiceProviderConfig", nil)
	wantStatus(t, r, http.StatusOK)
	body := r.JSON(t)
	wantJSONAt(t, "", body, serviceProviderFeatures...)
	wantJSONAt(t, "", body, jsonWant{[]any{"changePassword", "supported"}, false})
	if docs, _ := body["documentationUri"].(string); !strings.HasPrefix(docs, "https://") {
		t.Errorf("documentationUri = %q", docs)
	}
}

// jsonDecode decodes an HTTP answer's JSON body.
func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}

// TestRFC7643_3_1_GroupMetaDates: groups answer meta.created and meta.lastModified. Agent groups
// carry Freshservice's own times; requester groups have none in Freshservice, so fsscim answers when
// it made the group and when it last changed it.
func TestRFC7643_3_1_GroupMetaDates(t *testing.T) {
	clock := freshservicetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, withServer(func(o *proxy.Options) { o.Now = clock.Now }))
	ann := seedPerson(h, "dates@example.com", nil)
	g := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Dated",
	})
	wantStatus(t, g, http.StatusCreated)
	gid, _ := g.JSON(t)["id"].(string)
	if got := jsonAt(g.JSON(t), "meta", "created"); got != "2026-03-01T09:00:00Z" {
		t.Errorf("create answers meta.created %v", got)
	}

	clock.Add(time.Hour)
	r := h.do(http.MethodPatch, "/scim/v2/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"add","path":"members","value":[{"value":"`+idString(ann.ID)+`"}]}]}`)
	wantStatus(t, r, http.StatusNoContent)
	got := h.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil).JSON(t)
	if c, m := jsonAt(got, "meta", "created"), jsonAt(got, "meta", "lastModified"); c != "2026-03-01T09:00:00Z" || m != "2026-03-01T10:00:00Z" {
		t.Errorf("after a change: meta.created %v, lastModified %v", c, m)
	}

	agents := newHarness(t, withTenant("groups: {target: agent_groups}"))
	ag := agents.do(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Agents",
	})
	wantStatus(t, ag, http.StatusCreated)
	for _, k := range []string{"created", "lastModified"} {
		if v, _ := jsonAt(ag.JSON(t), "meta", k).(string); v == "" {
			t.Errorf("agent group answers no meta.%s", k)
		}
	}
}

// patchUser sends a PATCH with the given operations (JSON) to the user.
func patchUser(h *harness, id int64, ops string) response {
	h.t.Helper()
	return h.do(http.MethodPatch, "/scim/v2/Users/"+idString(id), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
}

// TestRFC7644_3_5_2_1_AddToMultiValuedAddsAValue: add on emails adds a value; a home address does not
// take the place of the work email (fsscim keeps only that one, so the home address is ignored).
func TestRFC7644_3_5_2_1_AddToMultiValuedAddsAValue(t *testing.T) {
	h := newHarness(t)
	u := seedPerson(h, "multi@example.com", func(u *freshservice.User) { u.SecondaryEmails = []string{"multi.work@example.com"} })
	r := patchUser(h, u.ID, `[{"op":"add","path":"emails","value":[{"value":"home2@example.com","type":"home"}]}]`)
	wantStatus(t, r, http.StatusOK)
	emails, _ := r.JSON(t)["emails"].([]any)
	if len(emails) != 1 || jsonAt(emails[0], "value") != "multi.work@example.com" || jsonAt(emails[0], "type") != "work" {
		t.Errorf("emails after add = %v, want the work email as it was", emails)
	}
	if got := fsUser(h, u.ID).SecondaryEmails; len(got) != 1 || got[0] != "multi.work@example.com" {
		t.Errorf("Freshservice secondary_emails = %v", got)
	}
}

// TestRFC7644_3_5_2_3_ReplaceMatchingNothingIsNoTarget: a replace whose value filter matches no value
// fails with 400 noTarget and changes nothing; Entra's documented forms that create the work email
// (a filter on its type alone) still create it.
func TestRFC7644_3_5_2_3_ReplaceMatchingNothingIsNoTarget(t *testing.T) {
	h := newHarness(t)
	u := seedPerson(h, "target@example.com", func(u *freshservice.User) { u.WorkPhoneNumber = "111" })
	r := patchUser(h, u.ID, `[{"op":"replace","path":"phoneNumbers[value eq \"999\"].value","value":"222"}]`)
	wantSCIMError(t, r, http.StatusBadRequest, "noTarget")
	if got := fsUser(h, u.ID).WorkPhoneNumber; got != "111" {
		t.Errorf("Freshservice work_phone_number = %q after a refused replace", got)
	}
	r = patchUser(h, u.ID, `[{"op":"replace","path":"emails[type eq \"work\" and value eq \"old@example.com\"].value","value":"new@example.com"},
		{"op":"replace","path":"title","value":"Never"}]`)
	wantSCIMError(t, r, http.StatusBadRequest, "noTarget")

	for _, op := range []string{"Replace", "Add"} {
		v := seedPerson(h, strings.ToLower(op)+".work@example.com", nil)
		r := patchUser(h, v.ID, `[{"op":"`+op+`","path":"emails[type eq \"work\"].value","value":"`+strings.ToLower(op)+`.second@example.com"}]`)
		wantStatus(t, r, http.StatusOK)
		if got := fsUser(h, v.ID).SecondaryEmails; len(got) != 1 || got[0] != strings.ToLower(op)+".second@example.com" {
			t.Errorf("%s of the work email: Freshservice secondary_emails = %v", op, got)
		}
	}
}

// TestRFC7644_3_5_2_PatchIsAtomic: when one operation is invalid (removing the required userName), the
// PATCH answers 400 and none of its operations is applied.
func TestRFC7644_3_5_2_PatchIsAtomic(t *testing.T) {
	h := newHarness(t)
	u := seedPerson(h, "atomic@example.com", func(u *freshservice.User) { u.JobTitle = "Before" })
	for _, ops := range []string{
		`[{"op":"replace","path":"title","value":"After"},{"op":"remove","path":"userName"}]`,
		`[{"op":"replace","path":"title","value":"After"},{"op":"replace","value":{"userName":null}}]`,
	} {
		h.emu.ResetCalls()
		r := patchUser(h, u.ID, ops)
		wantSCIMError(t, r, http.StatusBadRequest, "invalidValue")
		if w := writes(h); len(w) > 0 {
			t.Errorf("a refused PATCH wrote to Freshservice: %v", w)
		}
		if got := fsUser(h, u.ID).JobTitle; got != "Before" {
			t.Errorf("job_title = %q after a refused PATCH", got)
		}
	}
	g := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{"schemas": []string{urnCoreGroup}, "displayName": "Atomic"})
	wantStatus(t, g, http.StatusCreated)
	gid, _ := g.JSON(t)["id"].(string)
	r := h.do(http.MethodPatch, "/scim/v2/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"displayName"}]}`)
	wantSCIMError(t, r, http.StatusBadRequest, "invalidValue")
}

// TestRFC7644_3_5_2_2_RemoveExtensionClearsIt: removing the enterprise extension as a whole clears its
// attributes: department, manager and the ones fsscim keeps.
func TestRFC7644_3_5_2_2_RemoveExtensionClearsIt(t *testing.T) {
	h := newHarness(t)
	eng := h.emu.AddDepartment("Engineering")
	boss := seedPerson(h, "boss.ext@example.com", nil)
	u := seedPerson(h, "ext.remove@example.com", func(u *freshservice.User) {
		u.DepartmentIDs = []int64{eng.ID}
		u.ReportingManagerID = freshservice.ID(boss.ID)
	})
	r := patchUser(h, u.ID, `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"E-7"}]`)
	wantStatus(t, r, http.StatusOK)
	r = patchUser(h, u.ID, `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]`)
	wantStatus(t, r, http.StatusOK)
	if ent := jsonAt(r.JSON(t), urnEnterprise); ent != nil {
		t.Errorf("the enterprise extension is still answered: %v", ent)
	}
	got := fsUser(h, u.ID)
	if len(got.DepartmentIDs) != 0 || got.ReportingManagerID != 0 {
		t.Errorf("Freshservice still holds department %v and manager %d", got.DepartmentIDs, got.ReportingManagerID)
	}
}

// TestPatchedLanguageAttributeDecides: Freshservice has one language and SCIM two attributes for it
// (locale, preferredLanguage). The one a PATCH changes decides Freshservice's language; the other keeps
// reading back as it was, so a client that maps both sees no difference to send again.
func TestPatchedLanguageAttributeDecides(t *testing.T) {
	h := newHarness(t)
	id := h.createUser(entraBody(`{"schemas":["%CORE%"],"userName":"lang@example.com",
		"name":{"givenName":"Lang","familyName":"User"},"preferredLanguage":"de-DE","locale":"de-DE"}`, nil))
	uid, _ := strconv.ParseInt(id, 10, 64)

	p := patchUser(h, uid, `[{"op":"replace","path":"locale","value":"fr-FR"}]`)
	wantStatus(t, p, http.StatusOK)
	if got := fsUser(h, uid).Language; got != "fr" {
		t.Errorf("after a PATCH of locale, Freshservice language = %q, want fr", got)
	}
	get := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t)
	if get["locale"] != "fr-FR" || get["preferredLanguage"] != "de-DE" {
		t.Errorf("read back locale %v, preferredLanguage %v; want fr-FR and de-DE", get["locale"], get["preferredLanguage"])
	}

	p = patchUser(h, uid, `[{"op":"replace","path":"preferredLanguage","value":"en-GB"}]`)
	wantStatus(t, p, http.StatusOK)
	if got := fsUser(h, uid).Language; got != "en" {
		t.Errorf("after a PATCH of preferredLanguage, Freshservice language = %q, want en", got)
	}
	get = h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t)
	if get["locale"] != "fr-FR" || get["preferredLanguage"] != "en-GB" {
		t.Errorf("read back locale %v, preferredLanguage %v; want fr-FR and en-GB", get["locale"], get["preferredLanguage"])
	}
}

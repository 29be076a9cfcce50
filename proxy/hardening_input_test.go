package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// Bad input from a caller: every request below must get a SCIM error with the right status and
// scimType, and must not change Freshservice.

// hdInputHarness is one tenant with a user, a group and a custom attribute, and a warm index.
type hdInputHarness struct {
	*harness
	user  freshservice.User
	group int64
}

func hdNewInputHarness(t *testing.T) hdInputHarness {
	h := newHarness(t, withTenant("attributes: {costCenter: cf_cost_center}"), withEmulator(freshservicetest.Options{CustomFields: []freshservicetest.CustomField{{Name: "cf_cost_center", Type: freshservicetest.CustomText}}}))
	u := h.emu.AddRequester(freshservice.User{FirstName: "Ann", LastName: "Lee", PrimaryEmail: "ann@contoso.com", JobTitle: "Analyst"})
	h.emu.AddDepartment("Sales")
	h.emu.AddLocation("Berlin")
	g := h.emu.AddRequesterGroup("Sales", false)
	h.warmIndex()
	return hdInputHarness{harness: h, user: u, group: g.ID}
}

// hdExpect runs one refused request and checks the answer and that nothing was written.
func (h hdInputHarness) expectRefused(t *testing.T, method, path, contentType string, body io.Reader, status int, scimType string) {
	t.Helper()
	h.emu.ResetCalls()
	before, _ := h.emu.User(h.user.ID)
	group, _ := h.emu.RequesterGroup(h.group)
	r := sendRaw(t, h.harness, method, path, contentType, body)
	hdAssertSCIMError(t, r, status, scimType)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Errorf("Content-Type %q, want application/scim+json", ct)
	}
	if w := writes(h.harness); len(w) > 0 {
		t.Fatalf("a refused request wrote to Freshservice: %q", w)
	}
	if u, _ := h.emu.User(h.user.ID); !reflect.DeepEqual(u, before) {
		t.Fatalf("a refused request changed the user: %+v", u)
	}
	if g, _ := h.emu.RequesterGroup(h.group); !reflect.DeepEqual(g, group) {
		t.Fatalf("a refused request changed the group: %+v", g)
	}
}

func TestBadRequestBodies(t *testing.T) {
	h := hdNewInputHarness(t)
	userPath := fmt.Sprintf("/scim/v2/Users/%d", h.user.ID)
	groupPath := fmt.Sprintf("/scim/v2/Groups/%d", h.group)
	const limit = 1 << 20
	oversized := func() io.Reader {
		return strings.NewReader(`{"schemas":["` + hdUserSchema + `"],"userName":"big@contoso.com","title":"` + strings.Repeat("x", limit) + `"}`)
	}
	nested := func(depth int) string {
		return `{"schemas":["` + hdUserSchema + `"],"userName":"deep@contoso.com","title":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
	}
	nestedObjects := func(depth int) string {
		return `{"schemas":["` + hdUserSchema + `"],"userName":"deep@contoso.com","name":` + strings.Repeat(`{"givenName":`, depth) + `"x"` + strings.Repeat("}", depth) + `}`
	}
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        func() io.Reader
		status      int
		scimType    string
	}{
		{"malformed JSON on create", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(`{"userName": "x@contoso.com",`), 400, "invalidSyntax"},
		{"malformed JSON on replace", http.MethodPut, userPath, "application/scim+json", hdText(`{"userName": }`), 400, "invalidSyntax"},
		{"malformed JSON on patch", http.MethodPatch, userPath, "application/scim+json", hdText(`{"Operations":[{"op":"replace",]}`), 400, "invalidSyntax"},
		{"malformed JSON on group create", http.MethodPost, "/scim/v2/Groups", "application/scim+json", hdText(`{"displayName":"x"`), 400, "invalidSyntax"},
		{"malformed JSON on group patch", http.MethodPatch, groupPath, "application/scim+json", hdText(`{"Operations":[}`), 400, "invalidSyntax"},
		{"trailing data after the object", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(`{"userName":"x@contoso.com"} {"userName":"y@contoso.com"}`), 400, "invalidSyntax"},
		{"JSON that is not an object", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(`"x@contoso.com"`), 400, "invalidSyntax"},
		{"JSON null", http.MethodPatch, userPath, "application/scim+json", hdText(`null`), 400, "invalidSyntax"},
		{"empty body", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(``), 400, "invalidSyntax"},
		{"invalid UTF-8", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText("{\"userName\":\"\xff\xfe@contoso.com\"}"), 400, "invalidValue"},
		{"XML", http.MethodPost, "/scim/v2/Users", "application/xml", hdText(`<user><userName>x@contoso.com</userName></user>`), 415, ""},
		{"form", http.MethodPatch, userPath, "application/x-www-form-urlencoded", hdText(`op=replace&path=title&value=x`), 415, ""},
		{"multipart", http.MethodPut, userPath, "multipart/form-data; boundary=x", hdText("--x\r\n\r\n{}\r\n--x--"), 415, ""},
		{"plain text group patch", http.MethodPatch, groupPath, "text/plain", hdText(`{"Operations":[]}`), 415, ""},
		{"content type that does not parse", http.MethodPost, "/scim/v2/Users", "application/json; charset", hdText(`{}`), 415, ""},
		{"body over the limit", http.MethodPost, "/scim/v2/Users", "application/scim+json", oversized, 413, ""},
		{"body over the limit without a length", http.MethodPost, "/scim/v2/Users", "application/scim+json", func() io.Reader { return io.MultiReader(oversized()) }, 413, ""},
		{"patch body over the limit", http.MethodPatch, userPath, "application/scim+json", func() io.Reader {
			return strings.NewReader(`{"Operations":[{"op":"replace","path":"title","value":"` + strings.Repeat("y", limit) + `"}]}`)
		}, 413, ""},
		{"arrays nested past the decoder's depth", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(nested(20000)), 400, "invalidSyntax"},
		{"arrays nested deep", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(nested(5000)), 400, "invalidValue"},
		{"objects nested deep", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(nestedObjects(5000)), 400, "invalidValue"},
		{"patch value nested deep", http.MethodPatch, userPath, "application/scim+json", hdText(`{"schemas":["` + hdPatchSchema + `"],"Operations":[{"op":"replace","path":"title","value":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}]}`), 400, "invalidValue"},
		{"unknown message schema on patch", http.MethodPatch, userPath, "application/scim+json", hdText(`{"schemas":["urn:example:evil"],"Operations":[{"op":"replace","path":"title","value":"x"}]}`), 400, "invalidValue"},
		{"no core schema on create", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(`{"schemas":["urn:example:evil:2.0:User"],"userName":"evil@contoso.com"}`), 400, "invalidValue"},
		{"unknown patch op", http.MethodPatch, userPath, "application/scim+json", hdText(`{"schemas":["` + hdPatchSchema + `"],"Operations":[{"op":"merge","path":"title","value":"x"}]}`), 400, "invalidValue"},
		{"operations not a list", http.MethodPatch, userPath, "application/scim+json", hdText(`{"schemas":["` + hdPatchSchema + `"],"Operations":{"op":"replace","path":"title","value":"x"}}`), 400, "invalidValue"},
		{"patch path that does not parse", http.MethodPatch, userPath, "application/scim+json", hdText(`{"schemas":["` + hdPatchSchema + `"],"Operations":[{"op":"replace","path":"emails[type eq \"work\"","value":"x"}]}`), 400, "invalidPath"},
		{"duplicate attribute", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(`{"schemas":["` + hdUserSchema + `"],"userName":"one@contoso.com","userName":"two@contoso.com"}`), 400, "invalidSyntax"},
		{"duplicate attribute in another case", http.MethodPost, "/scim/v2/Users", "application/scim+json", hdText(`{"schemas":["` + hdUserSchema + `"],"userName":"one@contoso.com","USERNAME":"two@contoso.com"}`), 400, "invalidSyntax"},
		{"duplicate attribute in a patch value", http.MethodPatch, userPath, "application/scim+json", hdText(`{"schemas":["` + hdPatchSchema + `"],"Operations":[{"op":"replace","value":{"title":"One","Title":"Two"}}]}`), 400, "invalidSyntax"},
		{"duplicate group name attribute", http.MethodPost, "/scim/v2/Groups", "application/scim+json", hdText(`{"schemas":["` + hdGroupSchema + `"],"displayName":"A","displayname":"B"}`), 400, "invalidSyntax"},
		{"group without a name", http.MethodPost, "/scim/v2/Groups", "application/scim+json", hdText(`{"schemas":["` + hdGroupSchema + `"]}`), 400, "invalidValue"},
		{"group member that is not a number", http.MethodPatch, groupPath, "application/scim+json", hdText(`{"schemas":["` + hdPatchSchema + `"],"Operations":[{"op":"add","path":"members","value":[{"value":"../../agents/1"}]}]}`), 400, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.expectRefused(t, tt.method, tt.path, tt.contentType, tt.body(), tt.status, tt.scimType)
		})
	}
}

func hdText(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// hdWrongType stands for either scimType RFC 7644 §3.12 allows for a value of the wrong JSON type:
// invalidValue (not compatible with the attribute type) or invalidSyntax (the body does not conform to
// the schema, as a scalar where a list belongs).
const hdWrongType = "invalidValue|invalidSyntax"

// TestWrongTypesForEveryMappedAttribute sends every attribute fsscim maps with values of the wrong
// JSON type, on a create and in a PATCH.
func TestWrongTypesForEveryMappedAttribute(t *testing.T) {
	h := hdNewInputHarness(t)
	userPath := fmt.Sprintf("/scim/v2/Users/%d", h.user.ID)
	type attr struct {
		path  string // PATCH path
		place func(body map[string]any, v any)
		wrong []any
	}
	top := func(name string) func(map[string]any, any) {
		return func(b map[string]any, v any) { b[name] = v }
	}
	sub := func(parent, name string) func(map[string]any, any) {
		return func(b map[string]any, v any) { b[parent] = map[string]any{name: v} }
	}
	typed := func(parent, field string) func(map[string]any, any) {
		return func(b map[string]any, v any) { b[parent] = []any{map[string]any{"type": "work", field: v}} }
	}
	object, list, number, boolean := map[string]any{"a": "b"}, []any{"a"}, 42, true
	strs := []any{object, list}
	attrs := []attr{
		{"userName", top("userName"), []any{object, list, number, boolean}},
		{"name", top("name"), []any{"Ann", list, number}},
		{"name.givenName", sub("name", "givenName"), strs},
		{"name.familyName", sub("name", "familyName"), strs},
		{"displayName", top("displayName"), strs},
		{"title", top("title"), strs},
		{"timezone", top("timezone"), strs},
		{"locale", top("locale"), strs},
		{"preferredLanguage", top("preferredLanguage"), strs},
		{"externalId", top("externalId"), strs},
		{"active", top("active"), []any{"maybe", object, list, number}},
		{"emails", top("emails"), []any{"ann@contoso.com", number, []any{"ann@contoso.com"}}},
		{`emails[type eq "work"].value`, typed("emails", "value"), strs},
		{"phoneNumbers", top("phoneNumbers"), []any{"+1 555", number, []any{42}}},
		{`phoneNumbers[type eq "work"].value`, typed("phoneNumbers", "value"), strs},
		{"addresses", top("addresses"), []any{"Berlin", number}},
		{`addresses[type eq "work"].formatted`, typed("addresses", "formatted"), strs},
		{hdEnterpriseURN + ":department", sub(hdEnterpriseURN, "department"), strs},
		{hdEnterpriseURN + ":manager", sub(hdEnterpriseURN, "manager"), []any{boolean, map[string]any{"value": object}}},
		{hdFreshURN + ":isAgent", sub(hdFreshURN, "isAgent"), []any{"maybe", object, list}},
		{hdFreshURN + ":location", sub(hdFreshURN, "location"), strs},
		{hdFreshURN + ":costCenter", sub(hdFreshURN, "costCenter"), strs},
	}
	n := 0
	for _, a := range attrs {
		for _, v := range a.wrong {
			raw, _ := json.Marshal(v)
			n++
			email := fmt.Sprintf("typed.%d@contoso.com", n)
			t.Run("create/"+a.path+"="+string(raw), func(t *testing.T) {
				body := entraUserBody(email)
				a.place(body, v)
				b, _ := json.Marshal(body)
				h.expectRefused(t, http.MethodPost, "/scim/v2/Users", "application/scim+json", strings.NewReader(string(b)), 400, hdWrongType)
				if len(hdUsersWithEmail(h.harness, email)) > 0 {
					t.Fatal("the refused create made a user")
				}
			})
			t.Run("patch/"+a.path+"="+string(raw), func(t *testing.T) {
				b, _ := json.Marshal(userPatchBody(patchOp("replace", a.path, v)))
				h.expectRefused(t, http.MethodPatch, userPath, "application/scim+json", strings.NewReader(string(b)), 400, hdWrongType)
			})
		}
	}
}

// TestBadIDs: ids that are not Freshservice ids, or try to walk out of the resource's path, are
// answered 404 without a Freshservice call.
func TestBadIDs(t *testing.T) {
	h := hdNewInputHarness(t)
	ids := []string{
		"abc", "0", "-5", "1.5", "1e3", "0x10", "99999999999999999999", "%2e%2e", "..%2F..%2Fagents%2F1",
		"1%2F..%2F..%2Fagents", "%2E%2E%2Fmetrics", "1%3B2", "1%00", "%E2%80%AE1", url.PathEscape(strings.Repeat("9", 5000)),
		url.PathEscape(fmt.Sprintf("%d/../%d", h.user.ID, h.user.ID)),
	}
	patch, _ := json.Marshal(userPatchBody(patchOp("replace", "title", "Hacked")))
	put, _ := json.Marshal(entraUserBody("ann@contoso.com"))
	groupPatch, _ := json.Marshal(userPatchBody(patchOp("replace", "displayName", "Hacked")))
	for _, id := range ids {
		for _, rt := range []struct {
			method, resource string
			body             []byte
		}{
			{http.MethodGet, "Users", nil}, {http.MethodPut, "Users", put}, {http.MethodPatch, "Users", patch}, {http.MethodDelete, "Users", nil},
			{http.MethodGet, "Groups", nil}, {http.MethodPatch, "Groups", groupPatch}, {http.MethodDelete, "Groups", nil},
		} {
			name := rt.method + " " + rt.resource + "/" + id
			if len(name) > 60 {
				name = name[:60]
			}
			t.Run(name, func(t *testing.T) {
				h.emu.ResetCalls()
				var body io.Reader
				if rt.body != nil {
					body = strings.NewReader(string(rt.body))
				}
				r := sendRaw(t, h.harness, rt.method, "/scim/v2/"+rt.resource+"/"+id, "application/scim+json", body)
				hdAssertSCIMError(t, r, http.StatusNotFound, "")
				if calls := h.calls(); len(calls) > 0 {
					t.Fatalf("a bad id reached Freshservice: %q", calls)
				}
				if strings.Contains(string(r.Body), "\x00") {
					t.Fatalf("the answer echoes a control character: %q", r.Body)
				}
			})
		}
	}
	if g, _ := h.emu.RequesterGroup(h.group); g.Name != "Sales" {
		t.Fatalf("the group was changed: %+v", g)
	}
}

// TestBadListQueries: filters that do not parse or name nothing fsscim can look up, and paging
// parameters out of range.
func TestBadListQueries(t *testing.T) {
	h := hdNewInputHarness(t)
	bad := []struct {
		name     string
		resource string
		query    string
		status   int
		scimType string
	}{
		{"filter without a value", "Users", "filter=" + hdFilter(`userName eq`), 400, "invalidFilter"},
		{"unknown operator", "Users", "filter=" + hdFilter(`userName xx "a@contoso.com"`), 400, "invalidFilter"},
		{"unbalanced bracket", "Users", "filter=" + hdFilter(`(userName eq "a@contoso.com"`), 400, "invalidFilter"},
		{"unterminated string", "Users", "filter=" + hdFilter(`userName eq "a@contoso.com`), 400, "invalidFilter"},
		{"dangling or", "Users", "filter=" + hdFilter(`userName eq "a@contoso.com" or`), 400, "invalidFilter"},
		{"attribute fsscim does not hold", "Users", "filter=" + hdFilter(`ims eq "Ann"`), 400, "invalidFilter"},
		{"boolean with an order", "Users", "filter=" + hdFilter(`active gt true`), 400, "invalidFilter"},
		{"nested too deep", "Users", "filter=" + hdFilter(strings.Repeat("(", 40)+`userName pr`+strings.Repeat(")", 40)), 400, "invalidFilter"},
		{"over 8 KiB", "Users", "filter=" + hdFilter(`userName eq "`+strings.Repeat("a", 8200)+`"`), 400, "invalidFilter"},
		{"group filter without a value", "Groups", "filter=" + hdFilter(`displayName eq`), 400, "invalidFilter"},
		{"group filter on an unknown attribute", "Groups", "filter=" + hdFilter(`owner eq "x"`), 400, "invalidFilter"},
		{"startIndex not a number", "Users", "startIndex=first", 400, "invalidValue"},
		{"count not a number", "Users", "count=all", 400, "invalidValue"},
		{"count past int64", "Users", "count=99999999999999999999999", 400, "invalidValue"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			h.emu.ResetCalls()
			r := h.do(http.MethodGet, "/scim/v2/"+tt.resource+"?"+tt.query, nil)
			hdAssertSCIMError(t, r, tt.status, tt.scimType)
			if calls := h.calls(); len(calls) > 0 {
				t.Fatalf("a refused query reached Freshservice: %q", calls)
			}
		})
	}

	// Paging out of range is clamped as RFC 7644 §3.4.2.4 says, not refused.
	paging := []struct {
		name       string
		query      string
		wantStart  float64
		wantAtMost int
	}{
		{"negative startIndex", "startIndex=-5&count=10", 1, 10},
		{"zero startIndex", "startIndex=0&count=10", 1, 10},
		{"huge startIndex", "startIndex=2147483647&count=10", 2147483647, 0},
		{"huge count", "count=2000000000", 1, 100},
		{"negative count", "count=-3", 1, 0},
		{"huge count with a filter", "count=2000000000&filter=" + hdFilter(`userName eq "ann@contoso.com"`), 1, 1},
		{"negative startIndex with a filter", "startIndex=-1&filter=" + hdFilter(`userName eq "ann@contoso.com"`), 1, 1},
	}
	for _, tt := range paging {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(http.MethodGet, "/scim/v2/Users?"+tt.query, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			body := r.JSON(t)
			if body["startIndex"] != tt.wantStart {
				t.Errorf("startIndex %v, want %v", body["startIndex"], tt.wantStart)
			}
			if n := len(hdListIDs(t, r)); n > tt.wantAtMost {
				t.Errorf("%d resources, want at most %d", n, tt.wantAtMost)
			}
		})
	}
}

// TestFilterInjection: values that would break out of a query string or a Freshservice query
// (quotes, apostrophes, brackets, unicode, very long values) are answered as a plain "no such user"
// and reach Freshservice, if at all, as one intact email parameter.
func TestFilterInjection(t *testing.T) {
	values := []string{
		`a'b@contoso.com`,
		`x' OR '1'='1`,
		`ann@contoso.com' or primary_email:'`,
		`ann@contoso.com") or (userName eq "`,
		`a)b@contoso.com`,
		`ann@contoso.com&include_agents=false`,
		`ann@contoso.com#fragment`,
		`../agents?x=`,
		`%2e%2e%2fagents`,
		`ann@contoso.com\r\nX-Injected: 1`,
		`ünïcødé@bücher.example`,
		`😀@contoso.com`,
		"\u202eann@contoso.com",
		strings.Repeat("a", 3000) + "@contoso.com",
	}
	for _, cold := range []bool{false, true} {
		name := "warm index"
		if cold {
			name = "directory not loaded"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com"})
			h.emu.AddRequesterGroup("Sales", false)
			if !cold {
				h.warmIndex()
			}
			for _, v := range values {
				escaped := strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`)
				for _, f := range []string{`userName eq "` + escaped + `"`, `emails[type eq "work"].value eq "` + escaped + `"`, `externalId eq "` + escaped + `"`, `displayName eq "` + escaped + `"`} {
					h.emu.ResetCalls()
					resource := "Users"
					if strings.HasPrefix(f, "displayName") {
						resource = "Groups"
					}
					r := h.do(http.MethodGet, "/scim/v2/"+resource+"?excludedAttributes=members&filter="+url.QueryEscape(f), nil)
					switch r.Status {
					case http.StatusOK:
						if ids := hdListIDs(t, r); len(ids) != 0 {
							t.Fatalf("filter %q found %q", f, ids)
						}
					case http.StatusBadRequest:
						hdAssertSCIMError(t, r, http.StatusBadRequest, "invalidFilter")
					case http.StatusServiceUnavailable:
						if !cold || !strings.HasPrefix(f, "externalId") {
							t.Fatalf("filter %q: %d %s", f, r.Status, r.Body)
						}
					default:
						t.Fatalf("filter %q: %d %s", f, r.Status, r.Body)
					}
					for _, c := range h.emu.Calls() {
						if c.Method != http.MethodGet {
							t.Fatalf("a lookup wrote: %s %s", c.Method, c.Path)
						}
						switch c.Path {
						case "/api/v2/requesters", "/api/v2/agents", "/api/v2/agents/me", "/api/v2/requester_groups":
						default:
							t.Fatalf("filter %q reached Freshservice path %q", f, c.Path)
						}
						q, err := url.ParseQuery(c.RawQuery)
						if err != nil {
							t.Fatalf("query %q does not parse: %v", c.RawQuery, err)
						}
						if email, ok := q["email"]; ok {
							want := strings.ToLower(strings.TrimSpace(v))
							if len(email) != 1 || email[0] != want {
								t.Fatalf("filter %q sent email %q, want the value intact %q", f, email, want)
							}
							for k := range q {
								if k != "email" && k != "include_agents" && k != "page" && k != "per_page" {
									t.Fatalf("filter %q added query parameter %q", f, k)
								}
							}
							if q.Get("include_agents") != "true" {
								t.Fatalf("filter %q changed include_agents: %q", f, c.RawQuery)
							}
						}
					}
				}
			}
		})
	}
}

package proxy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Discovery: what Entra's schema discovery, the SCIM Validator and Microsoft's reference Postman
// collection read before anything else.

const (
	urnFreshservice = "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User"
	urnEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	urnCoreUser     = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnCoreGroup    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	urnListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
)

// listIDs returns the given member of every resource of a ListResponse.
func listIDs(t *testing.T, body map[string]any, member string) []string {
	t.Helper()
	if jsonAt(body, "schemas", 0) != urnListResponse {
		t.Fatalf("not a ListResponse: %v", body)
	}
	res, ok := body["Resources"].([]any)
	if !ok {
		t.Fatalf("Resources is %#v, want a list", body["Resources"])
	}
	var out []string
	for _, r := range res {
		s, _ := jsonAt(r, member).(string)
		out = append(out, s)
	}
	return out
}

// attributeNames lists a schema document's attribute names and types.
func attributeNames(schema any) (names, types []string) {
	attrs, _ := jsonAt(schema, "attributes").([]any)
	for _, a := range attrs {
		n, _ := jsonAt(a, "name").(string)
		ty, _ := jsonAt(a, "type").(string)
		names = append(names, n)
		types = append(types, ty)
	}
	return names, types
}

func TestDiscoveryAdvertisesFreshserviceExtension(t *testing.T) {
	h := newHarness(t, withTenant("attributes: {costCentre: cf_cost_centre, badgeNumber: cf_badge}"))
	wantAttrs := []string{"isAgent", "location", "badgeNumber", "costCentre"}

	t.Run("Schemas", func(t *testing.T) {
		r := h.do(http.MethodGet, "/scim/v2/Schemas", nil)
		wantStatus(t, r, http.StatusOK)
		body := r.JSON(t)
		ids := listIDs(t, body, "id")
		for _, want := range []string{urnCoreUser, urnEnterprise, urnFreshservice, urnCoreGroup} {
			if !slices.Contains(ids, want) {
				t.Errorf("/Schemas lacks %s; has %v", want, ids)
			}
		}
		for _, s := range body["Resources"].([]any) {
			if jsonAt(s, "id") != urnFreshservice {
				continue
			}
			names, types := attributeNames(s)
			if !slices.Equal(names, wantAttrs) {
				t.Errorf("Freshservice extension attributes %v, want %v", names, wantAttrs)
			}
			for i, ty := range types {
				if ty != "string" {
					t.Errorf("attribute %s has type %q, want string (Entra maps them as String)", names[i], ty)
				}
			}
		}
		if !strings.Contains(string(r.Body), "User Account") {
			t.Error(`/Schemas lacks the core User schema's "User Account" description`)
		}
	})
	t.Run("Schemas by id", func(t *testing.T) {
		r := h.do(http.MethodGet, "/scim/v2/Schemas/"+urnFreshservice, nil)
		wantStatus(t, r, http.StatusOK)
		body := r.JSON(t)
		if body["id"] != urnFreshservice {
			t.Errorf("id %v, want %s", body["id"], urnFreshservice)
		}
		if names, _ := attributeNames(body); !slices.Equal(names, wantAttrs) {
			t.Errorf("attributes %v, want %v", names, wantAttrs)
		}
	})
	t.Run("ResourceTypes", func(t *testing.T) {
		r := h.do(http.MethodGet, "/scim/v2/ResourceTypes", nil)
		wantStatus(t, r, http.StatusOK)
		body := r.JSON(t)
		if got := listIDs(t, body, "endpoint"); !slices.Equal(got, []string{"/Users", "/Groups"}) {
			t.Errorf("endpoints %v, want [/Users /Groups] (Users first)", got)
		}
		var ext []string
		exts, _ := jsonAt(body, "Resources", 0, "schemaExtensions").([]any)
		for _, e := range exts {
			ext = append(ext, fmt.Sprint(jsonAt(e, "schema")))
			if jsonAt(e, "required") != false {
				t.Errorf("extension %v is required; Entra sends it only when mapped", jsonAt(e, "schema"))
			}
		}
		if !slices.Equal(ext, []string{urnEnterprise, urnFreshservice}) {
			t.Errorf("User schema extensions %v, want enterprise and Freshservice", ext)
		}
		r = h.do(http.MethodGet, "/scim/v2/ResourceTypes/User", nil)
		wantStatus(t, r, http.StatusOK)
		if jsonAt(r.JSON(t), "schema") != urnCoreUser {
			t.Errorf("/ResourceTypes/User: %s", r.Body)
		}
	})
	t.Run("ServiceProviderConfig", func(t *testing.T) {
		r := h.do(http.MethodGet, "/scim/v2/ServiceProviderConfig", nil)
		wantStatus(t, r, http.StatusOK)
		body := r.JSON(t)
		wantJSONAt(t, "", body, serviceProviderFeatures...)
		wantJSONAt(t, "", body,
			jsonWant{[]any{"authenticationSchemes", 0, "type"}, "oauthbearertoken"},
			jsonWant{[]any{"authenticationSchemes", 0, "primary"}, true})
		for _, key := range []string{"documentationUri"} {
			if s, _ := body[key].(string); !strings.HasPrefix(s, "https://") {
				t.Errorf("%s = %#v, want a URL", key, body[key])
			}
		}
		for _, key := range []string{"specUri", "documentationUri"} {
			if s, _ := jsonAt(body, "authenticationSchemes", 0, key).(string); !strings.HasPrefix(s, "https://") {
				t.Errorf("authenticationSchemes[0].%s = %#v, want a URL", key, s)
			}
		}
	})
	if w := writes(h); len(w) > 0 {
		t.Errorf("discovery wrote to Freshservice: %v", w)
	}
}

func TestDiscoveryWithoutGroups(t *testing.T) {
	h := newHarness(t, withTenant("groups: {target: none}"))
	t.Run("ResourceTypes", func(t *testing.T) {
		r := h.do(http.MethodGet, "/scim/v2/ResourceTypes", nil)
		wantStatus(t, r, http.StatusOK)
		body := r.JSON(t)
		if got := listIDs(t, body, "endpoint"); !slices.Equal(got, []string{"/Users"}) {
			t.Errorf("endpoints %v, want only /Users", got)
		}
		if body["totalResults"] != float64(1) {
			t.Errorf("totalResults %v, want 1", body["totalResults"])
		}
		wantSCIMError(t, h.do(http.MethodGet, "/scim/v2/ResourceTypes/Group", nil), http.StatusNotFound, "")
	})
	t.Run("Schemas", func(t *testing.T) {
		r := h.do(http.MethodGet, "/scim/v2/Schemas", nil)
		wantStatus(t, r, http.StatusOK)
		if ids := listIDs(t, r.JSON(t), "id"); slices.Contains(ids, urnCoreGroup) {
			t.Errorf("/Schemas lists the Group schema with groups.target none: %v", ids)
		}
	})
	groupRequests := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/scim/v2/Groups", nil},
		{http.MethodGet, "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", nil},
		{http.MethodGet, "/scim/groups/", nil},
		{http.MethodGet, "/scim/v2/Groups/42", nil},
		{http.MethodPost, "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales","meta":{"resourceType":"Group"}}`},
		{http.MethodPatch, "/scim/v2/Groups/42", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"7"}]}]}`},
		{http.MethodDelete, "/scim/v2/Groups/42", nil},
	}
	for _, gr := range groupRequests {
		t.Run(gr.method+" "+gr.path, func(t *testing.T) {
			h.emu.ResetCalls()
			r := h.do(gr.method, gr.path, gr.body)
			wantSCIMError(t, r, http.StatusNotImplemented, "")
			if !strings.Contains(string(r.Body), "groups.target") {
				t.Errorf("the answer does not say which setting turns groups off: %s", r.Body)
			}
			for _, c := range h.calls() {
				if strings.Contains(c, "group") {
					t.Errorf("a group request reached Freshservice: %s", c)
				}
			}
		})
	}
}

// The Microsoft SCIM reference Postman collection is run by .ci/run with newman against
// `fsscim demo`. The assertions that cannot hold against a Freshservice account are listed, with the
// reason, in conformanceExceptions; everything else must pass.

const conformanceExceptions = "../testdata/conformance-exceptions.md"

// conformanceFolders are the collection's folders that fsscim is held to.
var conformanceFolders = []string{"Endpoint tests", "User tests", "ComplexAttribute tests", "Group tests"}

// conformanceCollection is where the collection lives: shared/ beside the repository, unless
// FSSCIM_CONFORMANCE_COLLECTION names it.
func conformanceCollection() string {
	if p := os.Getenv("FSSCIM_CONFORMANCE_COLLECTION"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "conformance", "SCIMReferenceCode.PostmanCollection.json")
}

// exception is one listed assertion.
type exception struct {
	folder, request, assertion, reason string
	line                               int
}

func (e exception) key() string { return e.folder + " / " + e.request + " / " + e.assertion }

// readExceptions reads the table rows of the exceptions file: | folder | request | assertion | reason |.
// The header row and the separator row are skipped.
func readExceptions(t *testing.T) []exception {
	t.Helper()
	f, err := os.Open(conformanceExceptions)
	if err != nil {
		t.Fatalf("read the conformance exceptions: %v", err)
	}
	defer f.Close()
	var out []exception
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 4 {
			t.Errorf("%s:%d: want 4 cells (folder, request, assertion, reason), got %d", conformanceExceptions, n, len(cells))
			continue
		}
		if cells[0] == "folder" || strings.Trim(cells[0], "-: ") == "" {
			continue
		}
		out = append(out, exception{folder: cells[0], request: unquoteCell(cells[1]), assertion: unquoteCell(cells[2]), reason: cells[3], line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unquoteCell drops the backquotes that keep a name readable in the table.
func unquoteCell(s string) string { return strings.Trim(s, "`") }

// postmanItem is the part of a Postman collection item the check reads.
type postmanItem struct {
	Name  string        `json:"name"`
	Item  []postmanItem `json:"item"`
	Event []struct {
		Listen string `json:"listen"`
		Script struct {
			Exec []string `json:"exec"`
		} `json:"script"`
	} `json:"event"`
}

var pmTestName = regexp.MustCompile(`pm\.test\(\s*"((?:[^"\\]|\\.)*)"`)

// collectionAssertions maps "folder / request / assertion" to true for the folders fsscim is held
// to, and lists each folder's requests in order. Without the collection the test is skipped, unless
// it is required.
func collectionAssertions(t *testing.T, required bool) (map[string]bool, map[string][]string) {
	t.Helper()
	raw, err := os.ReadFile(conformanceCollection())
	if err != nil {
		if required {
			t.Fatalf("read the reference collection: %v", err)
		}
		t.Skipf("the reference collection is not beside the repository (%v); .ci/run needs it", err)
	}
	var coll postmanItem
	if err := json.Unmarshal(raw, &coll); err != nil {
		t.Fatalf("parse the collection: %v", err)
	}
	assertions := map[string]bool{}
	requests := map[string][]string{}
	for _, folder := range coll.Item {
		if !slices.Contains(conformanceFolders, folder.Name) {
			continue
		}
		for _, req := range folder.Item {
			requests[folder.Name] = append(requests[folder.Name], req.Name)
			for _, ev := range req.Event {
				if ev.Listen != "test" {
					continue
				}
				for _, m := range pmTestName.FindAllStringSubmatch(strings.Join(ev.Script.Exec, "\n"), -1) {
					assertions[folder.Name+" / "+req.Name+" / "+m[1]] = true
				}
			}
		}
	}
	for _, f := range conformanceFolders {
		if len(requests[f]) == 0 {
			t.Fatalf("the collection has no folder %q", f)
		}
	}
	return assertions, requests
}

func TestConformanceExceptionsNameRealAssertions(t *testing.T) {
	assertions, _ := collectionAssertions(t, false)
	seen := map[string]bool{}
	for _, e := range readExceptions(t) {
		switch {
		case !assertions[e.key()]:
			t.Errorf("%s:%d: the collection has no assertion %q", conformanceExceptions, e.line, e.key())
		case seen[e.key()]:
			t.Errorf("%s:%d: %q is listed twice", conformanceExceptions, e.line, e.key())
		case len(e.reason) < 20:
			t.Errorf("%s:%d: %q needs a reason", conformanceExceptions, e.line, e.key())
		}
		seen[e.key()] = true
	}
}

// newmanReport is the part of newman's JSON report the check reads.
type newmanReport struct {
	Run struct {
		Stats struct {
			Assertions struct{ Total, Failed int } `json:"assertions"`
		} `json:"stats"`
		Executions []newmanExecution `json:"executions"`
		Failures   []newmanFailure   `json:"failures"`
		Error      any               `json:"error"`
	} `json:"run"`
}

type newmanExecution struct {
	Item struct {
		Name string `json:"name"`
	} `json:"item"`
}

type newmanFailure struct {
	Error struct {
		Name    string `json:"name"`
		Test    string `json:"test"`
		Message string `json:"message"`
	} `json:"error"`
	Source struct {
		Name string `json:"name"`
	} `json:"source"`
	Parent struct {
		Name string `json:"name"`
	} `json:"parent"`
}

// reportVerdict is what a newman run says about fsscim.
type reportVerdict struct {
	summary  string
	problems []string // each fails the run
	stale    []string // listed exceptions that held this time
}

// judgeReport holds a newman report against the listed exceptions: every failure must be listed, and
// every request of the folders must have run.
func judgeReport(rep newmanReport, listed map[string]bool, requests map[string][]string) reportVerdict {
	var v reportVerdict
	if rep.Run.Error != nil {
		v.problems = append(v.problems, fmt.Sprintf("newman stopped: %v", rep.Run.Error))
	}
	ran := map[string]bool{}
	for _, ex := range rep.Run.Executions {
		ran[ex.Item.Name] = true
	}
	want := 0
	for _, f := range conformanceFolders {
		want += len(requests[f])
		for _, name := range requests[f] {
			if !ran[name] {
				v.problems = append(v.problems, fmt.Sprintf("request %q of folder %q did not run", name, f))
			}
		}
	}
	if len(rep.Run.Executions) != want {
		v.problems = append(v.problems, fmt.Sprintf("newman ran %d requests, the folders hold %d", len(rep.Run.Executions), want))
	}
	failed := map[string]bool{}
	excepted := 0
	for _, f := range rep.Run.Failures {
		if f.Error.Test == "" {
			// Not an assertion: a request that failed, or a script that threw outside pm.test.
			v.problems = append(v.problems, fmt.Sprintf("%s / %s: %s %s", f.Parent.Name, f.Source.Name, f.Error.Name, f.Error.Message))
			continue
		}
		key := f.Parent.Name + " / " + f.Source.Name + " / " + f.Error.Test
		failed[key] = true
		if listed[key] {
			excepted++
			continue
		}
		v.problems = append(v.problems, fmt.Sprintf("failure not listed in %s: %s: %s", conformanceExceptions, key, f.Error.Message))
	}
	for key := range listed {
		if !failed[key] {
			v.stale = append(v.stale, key)
		}
	}
	sort.Strings(v.stale)
	a := rep.Run.Stats.Assertions
	v.summary = fmt.Sprintf("reference collection: %d requests, %d of %d assertions held, %d failed (%d listed exceptions)",
		len(rep.Run.Executions), a.Total-a.Failed, a.Total, a.Failed, excepted)
	return v
}

// TestConformanceNewmanReport judges a newman run of the reference collection: .ci/run sets
// FSSCIM_NEWMAN_REPORT to its JSON report.
func TestConformanceNewmanReport(t *testing.T) {
	path := os.Getenv("FSSCIM_NEWMAN_REPORT")
	if path == "" {
		t.Skip("FSSCIM_NEWMAN_REPORT is not set: .ci/run sets it after running newman against fsscim demo")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the newman report: %v", err)
	}
	var rep newmanReport
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("parse the newman report: %v", err)
	}
	_, requests := collectionAssertions(t, true)
	listed := map[string]bool{}
	for _, e := range readExceptions(t) {
		listed[e.key()] = true
	}
	v := judgeReport(rep, listed, requests)
	t.Log(v.summary)
	for _, s := range v.stale {
		t.Logf("listed exception held this time; remove it from %s if it keeps holding: %s", conformanceExceptions, s)
	}
	for _, p := range v.problems {
		t.Error(p)
	}
}

func TestConformanceJudgeReport(t *testing.T) {
	requests := map[string][]string{
		"Endpoint tests":         {"Get Schemas"},
		"User tests":             {"Post User", "Get user1"},
		"ComplexAttribute tests": {"create user1"},
	}
	ran := func(names ...string) []newmanExecution {
		out := make([]newmanExecution, len(names))
		for i, n := range names {
			out[i].Item.Name = n
		}
		return out
	}
	fail := func(folder, request, test, errName string) newmanFailure {
		var f newmanFailure
		f.Parent.Name, f.Source.Name, f.Error.Test, f.Error.Name = folder, request, test, errName
		f.Error.Message = "expected something else"
		return f
	}
	all := ran("Get Schemas", "Post User", "Get user1", "create user1")
	listed := map[string]bool{"ComplexAttribute tests / create user1 / Status code is 201": true}
	tests := []struct {
		name       string
		executions []newmanExecution
		failures   []newmanFailure
		stopped    any
		problems   int
		stale      int
	}{
		{"all held", all, nil, nil, 0, 1},
		{"listed failure", all, []newmanFailure{fail("ComplexAttribute tests", "create user1", "Status code is 201", "AssertionError")}, nil, 0, 0},
		{"unlisted failure", all, []newmanFailure{fail("User tests", "Post User", "Status code is 201", "AssertionError")}, nil, 1, 1},
		{"same assertion in another folder", all, []newmanFailure{fail("User tests", "create user1", "Status code is 201", "AssertionError")}, nil, 1, 1},
		{"script error outside an assertion", all, []newmanFailure{fail("User tests", "Post User", "", "JSONError")}, nil, 1, 1},
		{"request missing", ran("Get Schemas", "Post User", "create user1"), nil, nil, 2, 1},
		{"newman stopped", all, nil, "connection refused", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rep newmanReport
			rep.Run.Executions, rep.Run.Failures, rep.Run.Error = tt.executions, tt.failures, tt.stopped
			v := judgeReport(rep, listed, requests)
			if len(v.problems) != tt.problems {
				t.Errorf("problems %q, want %d", v.problems, tt.problems)
			}
			if len(v.stale) != tt.stale {
				t.Errorf("stale %q, want %d", v.stale, tt.stale)
			}
		})
	}
}

// Entra's documented create bodies, sent as they are.

func TestConformanceEntraCreateWithNonEmailUserName(t *testing.T) {
	// Microsoft's own create example: the userName is not an email address, the work
	// email is. Freshservice needs an address as the primary email; what Entra sent must still read
	// back, and its next cycle's userName lookup must find the user instead of creating it again.
	h := newHarness(t)
	userName := "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
	work := "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
	id := h.createUser(entraBody(`{
  "schemas": ["%CORE%", "%ENT%"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "`+userName+`",
  "active": true,
  "emails": [{"primary": true, "type": "work", "value": "`+work+`"}],
  "meta": {"resourceType": "User"},
  "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
  "roles": []
}`, nil))
	if _, ok := h.emu.UserByEmail(strings.ToLower(work)); !ok {
		t.Errorf("Freshservice has no user with the work email %s as its address", work)
	}
	if got := h.getUser(id)["userName"]; got != userName {
		t.Errorf("GET answers userName %#v, want %q as sent", got, userName)
	}
	r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22"+userName+"%22", nil)
	wantStatus(t, r, http.StatusOK)
	if ids := listIDs(t, r.JSON(t), "id"); !slices.Equal(ids, []string{id}) {
		t.Errorf("the userName lookup found %v, want [%s]", ids, id)
	}
}

func TestConformanceEntraCreateWithUnknownManager(t *testing.T) {
	// The SCIM Validator's "Create a new User": every mapped attribute, a manager
	// value that names no user, roles with a string "primary". A manager reference Freshservice
	// cannot hold must not keep the user from being created.
	h := newHarness(t, withTenant("departments: {create_missing: true}"))
	r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{
  "userName": "julien.vonrueden@ondricka.us", "active": true, "displayName": "NDSQQTECVAAC",
  "title": "CJSGUNOAAMMQ", "preferredLanguage": "hi",
  "emails": [{"type": "work", "value": "thaddeus@hammes.info", "primary": true}],
  "name": {"givenName": "Elfrieda", "familyName": "Urban", "formatted": "Myah", "middleName": "Cindy",
           "honorificPrefix": "Minerva", "honorificSuffix": "Micaela"},
  "addresses": [{"type": "work", "formatted": "ZQEHBLETAAQE", "streetAddress": "25928 Katlyn Row",
                 "locality": "YRAKBQCGOHZF", "region": "XCCVLAIDMQYR", "postalCode": "cx47 4mz",
                 "primary": true, "country": "Sierra Leone"}],
  "phoneNumbers": [{"type": "work", "value": "10-040-1308", "primary": true},
                   {"type": "mobile", "value": "10-040-1308"}, {"type": "fax", "value": "10-040-1308"}],
  "%ENT%": {
    "employeeNumber": "OXYYEGWVLTGW", "department": "ZYWTBPDFHIIP", "costCenter": "ASHTVSKANCGL",
    "organization": "DPQRRHJMBXZE", "division": "WXNFEJQDRAVI", "manager": {"value": "XYMKVVRYDIOO"}},
  "roles": [{"primary": "True", "display": "MRONYWGFFHXQ", "value": "WDEIISGWWQBE", "type": "XVTUOHMYUFRL"}],
  "userType": "GZILLRZCFPNC", "nickName": "FOGSIQTKHIPG", "locale": "RJWNTUNNOHNZ",
  "timezone": "America/Guayaquil", "profileUrl": "BAPNQLJSRQGD",
  "schemas": ["%CORE%", "%ENT%"]
}`, nil))
	wantStatus(t, r, http.StatusCreated)
	u, ok := h.emu.UserByEmail("julien.vonrueden@ondricka.us")
	if !ok {
		t.Fatal("Freshservice has no new user")
	}
	if u.ReportingManagerID != 0 || u.JobTitle != "CJSGUNOAAMMQ" || len(u.DepartmentIDs) != 1 {
		t.Errorf("Freshservice holds manager %d, title %q, departments %v; want no manager, the title and the new department",
			u.ReportingManagerID, u.JobTitle, u.DepartmentIDs)
	}
}

func TestConformanceFormattedNameReadsBackAsSent(t *testing.T) {
	// Entra can map name.formatted; Freshservice keeps only a first and a last name,
	// so a formatted name that is not "first last" must be remembered like displayName, or Entra
	// PATCHes it again every cycle. The reference collection's "User 2 replace test" checks the same.
	h := newHarness(t)
	id := h.createUser(entraBody(`{"schemas":["%CORE%"],"userName":"ryan.leenay@example.com",
		"active":true,"name":{"formatted":"Leenay, Ryan","familyName":"Leenay","givenName":"Ryan"}}`, nil))
	if got := jsonAt(h.getUser(id), "name", "formatted"); got != "Leenay, Ryan" {
		t.Errorf("after the create GET answers name.formatted %#v, want %q", got, "Leenay, Ryan")
	}
	r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, entraBody(`{"schemas":["%PATCH%"],"Operations":[
		{"op":"Replace","path":"name.formatted","value":"Dr Ryan Leenay"}]}`, nil))
	wantStatus(t, r, http.StatusOK)
	if got := jsonAt(h.getUser(id), "name", "formatted"); got != "Dr Ryan Leenay" {
		t.Errorf("after the PATCH GET answers name.formatted %#v, want %q", got, "Dr Ryan Leenay")
	}
}

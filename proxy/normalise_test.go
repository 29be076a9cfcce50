package proxy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// These tests send the forms Entra is documented to send (its documented request shapes) through the real
// server, and check both the SCIM answer and what Freshservice ends up holding. Bodies are written
// as Entra puts them on the wire; %PATCH%, %CORE%, %ENT% and %FS% stand for the PatchOp, core User,
// enterprise and Freshservice URNs, and %MGR% for a manager's id.

var entraURNs = strings.NewReplacer(
	"%PATCH%", "urn:ietf:params:scim:api:messages:2.0:PatchOp",
	"%ENT%", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
	"%FS%", "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User",
	"%CORE%", "urn:ietf:params:scim:schemas:core:2.0:User",
)

// entraBody fills an Entra body's placeholders.
func entraBody(body string, vars map[string]string) string {
	body = entraURNs.Replace(body)
	for k, v := range vars {
		body = strings.ReplaceAll(body, "%"+k+"%", v)
	}
	return body
}

// seedPerson adds an active requester to the emulated account.
func seedPerson(h *harness, email string, edit func(*freshservice.User)) freshservice.User {
	h.t.Helper()
	u := freshservice.User{FirstName: "Seeded", LastName: "Person", PrimaryEmail: email}
	if edit != nil {
		edit(&u)
	}
	return h.emu.AddRequester(u)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// fsUser is the emulated account's current record of a user.
func fsUser(h *harness, id int64) freshservice.User {
	h.t.Helper()
	u, ok := h.emu.User(id)
	if !ok {
		h.t.Fatalf("Freshservice has no user %d", id)
	}
	return u
}

// writes lists the calls that changed Freshservice.
func writes(h *harness) []string {
	var out []string
	for _, c := range h.calls() {
		if !strings.HasPrefix(c, http.MethodGet+" ") {
			out = append(out, c)
		}
	}
	return out
}

// at reads a value from a decoded JSON answer by keys (strings) and list positions (ints).
func jsonAt(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// jsonWant is a value a decoded JSON answer must hold at path (keys and list positions, as jsonAt).
type jsonWant struct {
	path []any
	want any
}

// wantJSONAt checks each value of a decoded answer; what, when given, names the answer in failures.
func wantJSONAt(t *testing.T, what string, body any, wants ...jsonWant) {
	t.Helper()
	for _, w := range wants {
		if got := jsonAt(body, w.path...); got != w.want {
			t.Errorf("%s%v = %#v, want %#v", what, w.path, got, w.want)
		}
	}
}

// sendRaw sends body as is, with the given content type (none when empty) and the tenant's token.
func sendRaw(t testing.TB, h *harness, method, path, contentType string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	return send(t, http.DefaultClient, req)
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}

// wantSCIMError checks a SCIM error answer's status, scimType and media type.
func wantSCIMError(t *testing.T, r response, status int, scimType string) {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Errorf("Content-Type %q, want application/scim+json", ct)
	}
	body := r.JSON(t)
	if got := jsonAt(body, "schemas", 0); got != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("schemas %v, want the SCIM Error schema", body["schemas"])
	}
	if got := jsonAt(body, "status"); got != strconv.Itoa(status) {
		t.Errorf("status member %v, want %q", got, strconv.Itoa(status))
	}
	if got, _ := jsonAt(body, "scimType").(string); got != scimType {
		t.Errorf("scimType %q, want %q", got, scimType)
	}
}

func TestNormaliseStringBooleans(t *testing.T) {
	tests := []struct {
		name       string
		inactive   bool // the user starts deactivated
		body       string
		wantActive bool
	}{
		{"legacy disable", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, false},
		{"legacy enable", true, `{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`, true},
		{"lower-case string", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","path":"active","value":"false"}]}`, false},
		{"flag boolean", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","path":"active","value":false}]}`, false},
		{"path-less string", true, `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","value":{"active":"True"}}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := seedPerson(h, "pat.doe@example.com", nil)
			if tt.inactive {
				h.emu.Deactivate(u.ID)
			}
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID), entraBody(tt.body, nil))
			wantStatus(t, r, http.StatusOK)
			if got := r.JSON(t)["active"]; got != tt.wantActive {
				t.Errorf("answer active = %#v, want the boolean %v", got, tt.wantActive)
			}
			if got := fsUser(h, u.ID).Active; got != tt.wantActive {
				t.Errorf("Freshservice active = %v, want %v", got, tt.wantActive)
			}
		})
	}
}

func TestNormaliseStringBooleansOnCreate(t *testing.T) {
	h := newHarness(t)
	// The SCIM Validator's create: "active" and roles' "primary" as strings.
	r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{
		"schemas":["%CORE%","%ENT%"],
		"userName":"robin.banks@example.com","active":"True",
		"name":{"givenName":"Robin","familyName":"Banks"},
		"emails":[{"type":"work","value":"robin.banks@example.com","primary":"True"}],
		"roles":[{"primary":"True","display":"MRONYWGFFHXQ","value":"WDEIISGWWQBE","type":"XVTUOHMYUFRL"}]}`, nil))
	wantStatus(t, r, http.StatusCreated)
	body := r.JSON(t)
	if body["active"] != true {
		t.Errorf("answer active = %#v, want true", body["active"])
	}
	u, ok := h.emu.UserByEmail("robin.banks@example.com")
	if !ok || !u.Active || u.FirstName != "Robin" {
		t.Fatalf("Freshservice holds %+v (found %v), want an active requester Robin", u, ok)
	}
}

func TestNormaliseManager(t *testing.T) {
	tests := []struct {
		name        string
		withManager bool // the user already reports to the manager
		body        string
		wantManager bool
	}{
		{"plain string", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"Add","path":"%ENT%:manager","value":"%MGR%"}]}`, true},
		{"value object", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","path":"%ENT%:manager","value":{"value":"%MGR%"}}]}`, true},
		{"legacy path with array", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://example.com/scim/Users/%MGR%","value":"%MGR%"}]}]}`, true},
		{"path-less plain string", false, `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","value":{"%ENT%:manager":"%MGR%"}}]}`, true},
		{"empty value clears", true, `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","path":"%ENT%:manager","value":{"value":""}}]}`, false},
		{"remove with filter", true, `{"schemas":["%PATCH%"],"Operations":[{"op":"remove","path":"manager[value eq \"%MGR%\"]"}]}`, false},
		{"remove with URN and filter", true, `{"schemas":["%PATCH%"],"Operations":[{"op":"Remove","path":"%ENT%:manager[value eq \"%MGR%\"]"}]}`, false},
		{"remove", true, `{"schemas":["%PATCH%"],"Operations":[{"op":"Remove","path":"%ENT%:manager"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			mgr := seedPerson(h, "boss@example.com", nil)
			u := seedPerson(h, "report@example.com", func(u *freshservice.User) {
				if tt.withManager {
					u.ReportingManagerID = freshservice.ID(mgr.ID)
				}
			})
			vars := map[string]string{"MGR": idString(mgr.ID)}
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID), entraBody(tt.body, vars))
			wantStatus(t, r, http.StatusOK)
			answered := jsonAt(r.JSON(t), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value")
			got := int64(fsUser(h, u.ID).ReportingManagerID)
			if tt.wantManager {
				if got != mgr.ID {
					t.Errorf("Freshservice reporting_manager_id = %d, want %d", got, mgr.ID)
				}
				if answered != idString(mgr.ID) {
					t.Errorf("answer manager.value = %#v, want %q", answered, idString(mgr.ID))
				}
				return
			}
			if got != 0 {
				t.Errorf("Freshservice reporting_manager_id = %d, want it cleared", got)
			}
			if answered != nil {
				t.Errorf("answer still has manager.value %#v", answered)
			}
		})
	}
}

func TestNormaliseManagerOnCreate(t *testing.T) {
	tests := []struct {
		name    string
		manager string // the enterprise extension's manager member, as JSON
	}{
		{"plain string", `"%MGR%"`},
		{"value object", `{"value":"%MGR%"}`},
		{"capitalised value object", `{"Value":"%MGR%"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			mgr := seedPerson(h, "boss@example.com", nil)
			vars := map[string]string{"MGR": idString(mgr.ID)}
			r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{"schemas":["%CORE%","%ENT%"],
				"userName":"new.hire@example.com","active":true,"name":{"givenName":"New","familyName":"Hire"},
				"%ENT%":{"manager":`+tt.manager+`}}`, vars))
			wantStatus(t, r, http.StatusCreated)
			u, ok := h.emu.UserByEmail("new.hire@example.com")
			if !ok {
				t.Fatal("Freshservice has no new user")
			}
			if int64(u.ReportingManagerID) != mgr.ID {
				t.Errorf("Freshservice reporting_manager_id = %d, want %d", u.ReportingManagerID, mgr.ID)
			}
		})
	}
}

func TestNormaliseUserFilters(t *testing.T) {
	h := newHarness(t)
	ada := seedPerson(h, "ada@example.com", func(u *freshservice.User) { u.ExternalID = "7fce0092-d52e-4f76-b727-3955bd72c939" })
	grace := seedPerson(h, "grace@example.com", func(u *freshservice.User) { u.ReportingManagerID = freshservice.ID(ada.ID) })
	vars := map[string]string{"ADA": idString(ada.ID), "GRACE": idString(grace.ID)}
	tests := []struct {
		name  string
		query string // raw query, as Entra encodes it
		want  []int64
	}{
		{"externalId", `filter=externalId+eq+%227fce0092-d52e-4f76-b727-3955bd72c939%22`, []int64{ada.ID}},
		{"externalId unknown", `filter=externalId+eq+%22johnwong%22`, nil},
		{"id", `filter=id+eq+%22%ADA%%22`, []int64{ada.ID}},
		{"manager check", `filter=id+eq+%22%GRACE%%22+and+manager+eq+%22%ADA%%22&attributes=id`, []int64{grace.ID}},
		{"manager check other order", `filter=manager+eq+%22%ADA%%22+and+id+eq+%22%GRACE%%22`, []int64{grace.ID}},
		{"manager check no match", `filter=id+eq+%22%ADA%%22+and+manager+eq+%22%GRACE%%22`, nil},
		{"work email", `filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22grace%40example.com%22`, []int64{grace.ID}},
		{"work email raw quotes", `filter=emails[type eq "work"].value eq "GRACE@example.com"`, []int64{grace.ID}},
		{"userName with flag", `aadOptscim062020&filter=userName+eq+%22ada%40example.com%22`, []int64{ada.ID}},
		{"random GUID", `filter=userName+eq+%22b4fa7c1e-0000-4000-8000-000000000000%22`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.emu.ResetCalls()
			q := entraBody(tt.query, vars)
			r := h.do(http.MethodGet, "/scim/v2/Users?"+strings.ReplaceAll(q, " ", "+"), nil)
			wantStatus(t, r, http.StatusOK)
			body := r.JSON(t)
			if got := jsonAt(body, "schemas", 0); got != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
				t.Errorf("schemas %v, want a ListResponse", body["schemas"])
			}
			if got := jsonAt(body, "totalResults"); got != float64(len(tt.want)) {
				t.Errorf("totalResults %v, want %d", got, len(tt.want))
			}
			res, _ := body["Resources"].([]any)
			if res == nil {
				t.Fatalf("Resources is %#v, want a list", body["Resources"])
			}
			var got []string
			for _, x := range res {
				got = append(got, jsonAt(x, "id").(string))
			}
			var want []string
			for _, id := range tt.want {
				want = append(want, idString(id))
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("ids %v, want %v", got, want)
			}
			if w := writes(h); len(w) > 0 {
				t.Errorf("a lookup wrote to Freshservice: %v", w)
			}
		})
	}
}

func TestNormalisePathlessNestedExtension(t *testing.T) {
	h := newHarness(t)
	eng := h.emu.AddDepartment("Engineering")
	london := h.emu.AddLocation("London")
	u := seedPerson(h, "nested@example.com", nil)
	r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID), entraBody(`{"schemas":["%PATCH%"],"Operations":[
		{"op":"replace","value":{
			"displayName":"Nora Nested","name.givenName":"Nora","name.familyName":"Nested",
			"%ENT%":{"department":"Engineering"},
			"%FS%":{"location":"London"}}}]}`, nil))
	wantStatus(t, r, http.StatusOK)
	got := fsUser(h, u.ID)
	if len(got.DepartmentIDs) != 1 || got.DepartmentIDs[0] != eng.ID {
		t.Errorf("Freshservice department_ids = %v, want [%d]", got.DepartmentIDs, eng.ID)
	}
	if int64(got.LocationID) != london.ID {
		t.Errorf("Freshservice location_id = %d, want %d", got.LocationID, london.ID)
	}
	if got.FirstName != "Nora" || got.LastName != "Nested" {
		t.Errorf("Freshservice name = %q %q, want Nora Nested", got.FirstName, got.LastName)
	}
	body := r.JSON(t)
	if d := jsonAt(body, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department"); d != "Engineering" {
		t.Errorf("answer department = %#v, want Engineering", d)
	}
}

func TestNormaliseNullClears(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, u freshservice.User, answer map[string]any)
	}{
		{"title", `{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"title","value":null}]}`,
			func(t *testing.T, u freshservice.User, answer map[string]any) {
				if u.JobTitle != "" {
					t.Errorf("Freshservice job_title = %q, want it cleared", u.JobTitle)
				}
				if _, has := answer["title"]; has {
					t.Errorf("answer still has title %#v", answer["title"])
				}
			}},
		{"path-less title", `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","value":{"title":null}}]}`,
			func(t *testing.T, u freshservice.User, _ map[string]any) {
				if u.JobTitle != "" {
					t.Errorf("Freshservice job_title = %q, want it cleared", u.JobTitle)
				}
			}},
		{"path-less nested", `{"schemas":["%PATCH%"],"Operations":[{"op":"replace","value":{"name":{"givenName":"Nora","familyName":null}}}]}`,
			func(t *testing.T, u freshservice.User, answer map[string]any) {
				if u.FirstName != "Nora" || u.LastName != "" {
					t.Errorf("Freshservice name = %q %q, want Nora and no last name", u.FirstName, u.LastName)
				}
				if f := jsonAt(answer, "name", "familyName"); f != nil {
					t.Errorf("answer still has familyName %#v", f)
				}
			}},
		{"department", `{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"%ENT%:department","value":null}]}`,
			func(t *testing.T, u freshservice.User, _ map[string]any) {
				if len(u.DepartmentIDs) != 0 {
					t.Errorf("Freshservice department_ids = %v, want none", u.DepartmentIDs)
				}
			}},
		{"manager", `{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"%ENT%:manager","value":null}]}`,
			func(t *testing.T, u freshservice.User, _ map[string]any) {
				if u.ReportingManagerID != 0 {
					t.Errorf("Freshservice reporting_manager_id = %d, want it cleared", u.ReportingManagerID)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			dept := h.emu.AddDepartment("Finance")
			mgr := seedPerson(h, "boss@example.com", nil)
			u := seedPerson(h, "cleared@example.com", func(u *freshservice.User) {
				u.JobTitle = "Analyst"
				u.DepartmentIDs = []int64{dept.ID}
				u.ReportingManagerID = freshservice.ID(mgr.ID)
			})
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID), entraBody(tt.body, nil))
			wantStatus(t, r, http.StatusOK)
			tt.check(t, fsUser(h, u.ID), r.JSON(t))
		})
	}
}

func TestNormaliseErrorsDoNotLeakUpstreamText(t *testing.T) {
	tests := []struct {
		name     string
		fault    freshservicetest.Fault
		timeout  time.Duration // the server's upstream timeout, when the case needs a short one
		tenant   string
		patch    string
		status   int
		mustHave string // text the answer must carry (Freshservice's own field message)
	}{
		{name: "upstream 500", fault: freshservicetest.Fault{Status: http.StatusInternalServerError, Method: http.MethodPut},
			patch: `{"op":"Replace","path":"title","value":"Boss"}`, status: http.StatusServiceUnavailable},
		{name: "upstream 400 without field errors", fault: freshservicetest.Fault{Status: http.StatusBadRequest, Method: http.MethodPut},
			patch: `{"op":"Replace","path":"title","value":"Boss"}`, status: http.StatusBadRequest},
		{name: "upstream 429", fault: freshservicetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second, Method: http.MethodPut},
			patch: `{"op":"Replace","path":"title","value":"Boss"}`, status: http.StatusTooManyRequests},
		{name: "upstream timeout", fault: freshservicetest.Fault{Latency: 10 * time.Second, Method: http.MethodPut}, timeout: 300 * time.Millisecond,
			patch: `{"op":"Replace","path":"title","value":"Boss"}`, status: http.StatusServiceUnavailable},
		{name: "field message is kept", tenant: "attributes: {costCentre: cf_cost_centre}",
			patch:  `{"op":"Add","path":"%FS%:costCentre","value":"Nowhere"}`,
			status: http.StatusBadRequest, mustHave: "It should be one of the choice value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []harnessOption{withEmulator(freshservicetest.Options{CustomFields: []freshservicetest.CustomField{
				{Name: "cf_cost_centre", Type: freshservicetest.CustomDropdown, Choices: []string{"R&D", "Sales"}},
			}})}
			if tt.tenant != "" {
				opts = append(opts, withTenant(tt.tenant))
			}
			if tt.timeout > 0 {
				opts = append(opts, withServer(func(o *proxy.Options) { o.UpstreamTimeout = tt.timeout }))
			}
			h := newHarness(t, opts...)
			u := seedPerson(h, "victim@example.com", nil)
			h.warmKey()
			if tt.fault != (freshservicetest.Fault{}) {
				h.emu.InjectFault(tt.fault, 1)
			}
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID),
				entraBody(`{"schemas":["%PATCH%"],"Operations":[`+tt.patch+`]}`, nil))
			wantStatus(t, r, tt.status)
			emu, _ := url.Parse(h.emuURL)
			leaks := []string{"injected_fault", emu.Host, "/api/v2", h.apiKey, "context deadline", "Client.Timeout", "Validation failed", "freshservice:"}
			if tt.fault.Status != 0 {
				// The emulator's message for a status fault is the status text.
				leaks = append(leaks, http.StatusText(tt.fault.Status))
			}
			for _, leak := range leaks {
				if bytes.Contains(r.Body, []byte(leak)) {
					t.Errorf("the answer carries upstream text %q: %s", leak, r.Body)
				}
			}
			if tt.mustHave != "" && !bytes.Contains(r.Body, []byte(tt.mustHave)) {
				t.Errorf("the answer lacks Freshservice's field message %q: %s", tt.mustHave, r.Body)
			}
			if tt.status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
				t.Error("a 429 without Retry-After")
			}
		})
	}
}

// warmKey makes one lookup so that the API key is verified before a fault is armed.
func (h *harness) warmKey() {
	h.t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22warm-up%40example.com%22", nil)
	if r.Status != http.StatusOK {
		h.t.Fatalf("warm-up lookup: %d %s", r.Status, r.Body)
	}
	h.emu.ResetCalls()
}

func TestNormaliseRoutes(t *testing.T) {
	h := newHarness(t)
	u := seedPerson(h, "route@example.com", nil)
	id := idString(u.ID)
	tests := []struct {
		method, path string
		body         string
		status       int
		// check names what the answer must be: a list, the user, or a discovery document.
		check string
	}{
		{http.MethodGet, "/scim/v2/users/?filter=userName+eq+%22route%40example.com%22", "", http.StatusOK, "list1"},
		{http.MethodGet, "/scim/v2/Users/?filter=userName+eq+%22route%40example.com%22", "", http.StatusOK, "list1"},
		{http.MethodGet, "/scim/Users?filter=userName+eq+%22route%40example.com%22", "", http.StatusOK, "list1"},
		{http.MethodGet, "/scim/users", "", http.StatusOK, "list"},
		{http.MethodGet, "/SCIM/V2/USERS/", "", http.StatusOK, "list"},
		{http.MethodGet, "/scim/v2/Users?aadOptscim062020", "", http.StatusOK, "list"},
		{http.MethodGet, "/scim/v2/users/" + id, "", http.StatusOK, "user"},
		{http.MethodGet, "/scim/Users/" + id + "/", "", http.StatusOK, "user"},
		{http.MethodGet, "/scim/v2/Users/" + id + "?aadOptscim062020", "", http.StatusOK, "user"},
		{http.MethodPatch, "/scim/users/" + id + "?aadOptscim062020",
			`{"schemas":["%PATCH%"],"Operations":[{"op":"replace","path":"title","value":"Routed"}]}`, http.StatusOK, "user"},
		{http.MethodGet, "/scim/v2/resourcetypes/", "", http.StatusOK, "resourceTypes"},
		{http.MethodGet, "/scim/schemas", "", http.StatusOK, "schemas"},
		{http.MethodGet, "/scim/serviceConfiguration", "", http.StatusOK, "config"},
		{http.MethodGet, "/scim/v2/serviceproviderconfig/", "", http.StatusOK, "config"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = entraBody(tt.body, nil)
			}
			r := h.do(tt.method, tt.path, body)
			wantStatus(t, r, tt.status)
			got := r.JSON(t)
			schema, _ := jsonAt(got, "schemas", 0).(string)
			switch tt.check {
			case "list", "list1":
				if schema != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
					t.Fatalf("want a ListResponse, got %s", r.Body)
				}
				if tt.check == "list1" && (jsonAt(got, "totalResults") != float64(1) || jsonAt(got, "Resources", 0, "id") != id) {
					t.Errorf("want exactly user %s, got %s", id, r.Body)
				}
			case "user":
				if jsonAt(got, "id") != id || jsonAt(got, "userName") != "route@example.com" {
					t.Errorf("want user %s, got %s", id, r.Body)
				}
			case "resourceTypes":
				if jsonAt(got, "Resources", 0, "endpoint") != "/Users" {
					t.Errorf("want the resource types with /Users first, got %s", r.Body)
				}
			case "schemas":
				if !bytes.Contains(r.Body, []byte(`"urn:ietf:params:scim:schemas:core:2.0:User"`)) {
					t.Errorf("want the schemas, got %s", r.Body)
				}
			case "config":
				if jsonAt(got, "patch", "supported") != true {
					t.Errorf("want the service provider config, got %s", r.Body)
				}
			}
		})
	}
	if got := fsUser(h, u.ID).JobTitle; got != "Routed" {
		t.Errorf("the PATCH through a lower-case route left job_title %q", got)
	}
}

func TestNormaliseEnterpriseLocation(t *testing.T) {
	tests := []struct {
		name   string
		create string // a POST body; empty means PATCH the seeded user
		patch  string
		want   string
	}{
		{name: "create nested", create: `{"schemas":["%CORE%","%ENT%"],"userName":"loc@example.com","name":{"givenName":"Lo","familyName":"Cation"},
			"%ENT%":{"_location":"London","department":"Sales"}}`, want: "London"},
		{name: "create flattened key", create: `{"schemas":["%CORE%","%ENT%"],"userName":"loc@example.com","name":{"givenName":"Lo","familyName":"Cation"},
			"%ENT%:_location":"New York"}`, want: "New York"},
		{name: "patch path", patch: `{"op":"Add","path":"%ENT%:_location","value":"New York"}`, want: "New York"},
		{name: "patch path-less key", patch: `{"op":"replace","value":{"%ENT%:_location":"London"}}`, want: "London"},
		{name: "patch path-less nested", patch: `{"op":"replace","value":{"%ENT%":{"_location":"London"}}}`, want: "London"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.emu.AddDepartment("Sales")
			locs := map[string]int64{}
			for _, name := range []string{"London", "New York"} {
				locs[name] = h.emu.AddLocation(name).ID
			}
			var id int64
			if tt.create != "" {
				r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(tt.create, nil))
				wantStatus(t, r, http.StatusCreated)
				n, err := strconv.ParseInt(r.JSON(t)["id"].(string), 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				id = n
			} else {
				id = seedPerson(h, "loc@example.com", nil).ID
				r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(id),
					entraBody(`{"schemas":["%PATCH%"],"Operations":[`+tt.patch+`]}`, nil))
				wantStatus(t, r, http.StatusOK)
			}
			if got := int64(fsUser(h, id).LocationID); got != locs[tt.want] {
				t.Errorf("Freshservice location_id = %d, want %d (%s)", got, locs[tt.want], tt.want)
			}
			got := h.getUser(idString(id))
			if loc := jsonAt(got, "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User", "location"); loc != tt.want {
				t.Errorf("answer location = %#v, want %q", loc, tt.want)
			}
		})
	}
}

func TestNormaliseUnknownAttributesIgnored(t *testing.T) {
	tests := []struct {
		name      string
		ops       string
		wantTitle string // the job title after the PATCH ("Analyst" = unchanged)
	}{
		{"unknown path", `{"op":"Add","path":"favouriteColour","value":"teal"}`, "Analyst"},
		{"known but unmapped attribute", `{"op":"Replace","path":"%ENT%:costCenter","value":"CC-1"}`, "Analyst"},
		{"unknown extension URN", `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge","value":"B-7"}`, "Analyst"},
		{"path-less unknown keys", `{"op":"replace","value":{"favouriteColour":"teal","shoe.size":"44","urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"badge":"B-7"}}}`, "Analyst"},
		{"app roles as JSON strings", `{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}`, "Analyst"},
		{"read-only groups", `{"op":"Add","path":"groups","value":[{"value":"5","display":"Sales"}]}`, "Analyst"},
		{"all unknown ops", `{"op":"Add","path":"favouriteColour","value":"teal"},{"op":"Remove","path":"urn:acme:custom:thing"}`, "Analyst"},
		{"unknown beside known", `{"op":"Add","path":"favouriteColour","value":"teal"},{"op":"Replace","path":"title","value":"Lead"}`, "Lead"},
		{"path-less unknown beside known", `{"op":"replace","value":{"favouriteColour":"teal","title":"Lead"}}`, "Lead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := seedPerson(h, "unknown@example.com", func(u *freshservice.User) { u.JobTitle = "Analyst" })
			h.warmKey()
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID),
				entraBody(`{"schemas":["%PATCH%"],"Operations":[`+tt.ops+`]}`, nil))
			wantStatus(t, r, http.StatusOK)
			body := r.JSON(t)
			if jsonAt(body, "id") != idString(u.ID) || jsonAt(body, "userName") != "unknown@example.com" {
				t.Errorf("want the user as the answer, got %s", r.Body)
			}
			if got := fsUser(h, u.ID).JobTitle; got != tt.wantTitle {
				t.Errorf("Freshservice job_title = %q, want %q", got, tt.wantTitle)
			}
			w := writes(h)
			if tt.wantTitle == "Analyst" && len(w) > 0 {
				t.Errorf("a PATCH of unknown attributes wrote to Freshservice: %v", w)
			}
			if tt.wantTitle != "Analyst" && len(w) != 1 {
				t.Errorf("want one write, got %v", w)
			}
		})
	}
}

func TestNormaliseUnknownAttributesOnCreate(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{
		"schemas":["%CORE%","%ENT%","urn:ietf:params:scim:schemas:extension:acme:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"odd.fields@example.com","active":true,
		"name":{"givenName":"Odd","familyName":"Fields"},"favouriteColour":"teal",
		"addresses":null,"phoneNumbers":null,"preferredLanguage":null,"title":null,"department":null,"manager":null,
		"meta":{"resourceType":"User"},"roles":[],
		"urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"badge":"B-7"}}`, nil))
	wantStatus(t, r, http.StatusCreated)
	u, ok := h.emu.UserByEmail("odd.fields@example.com")
	if !ok || u.FirstName != "Odd" || string(u.ExternalID) != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" {
		t.Errorf("Freshservice holds %+v (found %v)", u, ok)
	}
}

func TestNormaliseRejectsMalformedRequests(t *testing.T) {
	big := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big@example.com","title":"` +
		strings.Repeat("x", 1<<20) + `"}`
	tests := []struct {
		name        string
		method      string
		contentType string
		body        func() io.Reader
		status      int
		scimType    string
	}{
		{"path that does not parse", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(entraBody(`{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\".value","value":"x@example.com"}]}`, nil))
		}, http.StatusBadRequest, "invalidPath"},
		{"path with a bad URN", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(entraBody(`{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"%ENT%:department[","value":"x"}]}`, nil))
		}, http.StatusBadRequest, "invalidPath"},
		{"path-less value naming an attribute that is no attribute name", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:0":true}}]}`)
		}, http.StatusBadRequest, "invalidPath"},
		{"bad JSON", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace",`)
		}, http.StatusBadRequest, "invalidSyntax"},
		{"bad JSON on create", http.MethodPost, "application/scim+json", func() io.Reader {
			return strings.NewReader(`{"userName": "x@example.com",}`)
		}, http.StatusBadRequest, "invalidSyntax"},
		{"not an object", http.MethodPost, "application/json", func() io.Reader {
			return strings.NewReader(`["x"]`)
		}, http.StatusBadRequest, "invalidSyntax"},
		{"invalid UTF-8", http.MethodPost, "application/scim+json", func() io.Reader {
			return strings.NewReader("{\"userName\":\"\xff\xfe@example.com\"}")
		}, http.StatusBadRequest, "invalidValue"},
		{"attribute named twice", http.MethodPost, "application/scim+json", func() io.Reader {
			return strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@example.com","UserName":"b@example.com"}`)
		}, http.StatusBadRequest, "invalidSyntax"},
		{"attribute named twice in a path-less value", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(entraBody(`{"schemas":["%PATCH%"],"Operations":[{"op":"replace","value":{"title":"One","name":{"givenName":"A","GIVENNAME":"B"}}}]}`, nil))
		}, http.StatusBadRequest, "invalidSyntax"},
		{"operations not a list", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(entraBody(`{"schemas":["%PATCH%"],"Operations":{"op":"replace","path":"title","value":"x"}}`, nil))
		}, http.StatusBadRequest, "invalidValue"},
		{"schemas without the User schema", http.MethodPost, "application/scim+json", func() io.Reader {
			return strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"a@example.com","displayName":"A"}`)
		}, http.StatusBadRequest, "invalidValue"},
		{"manager id that is an object", http.MethodPatch, "application/scim+json", func() io.Reader {
			return strings.NewReader(entraBody(`{"schemas":["%PATCH%"],"Operations":[{"op":"replace","path":"%ENT%:manager","value":{"value":{"a":"b"}}}]}`, nil))
		}, http.StatusBadRequest, "invalidValue"},
		{"form content type", http.MethodPatch, "application/x-www-form-urlencoded", func() io.Reader {
			return strings.NewReader(`op=replace&path=title&value=x`)
		}, http.StatusUnsupportedMediaType, ""},
		{"text content type", http.MethodPost, "text/plain", func() io.Reader {
			return strings.NewReader(`{"userName":"x@example.com"}`)
		}, http.StatusUnsupportedMediaType, ""},
		{"body over 1 MiB", http.MethodPost, "application/scim+json", func() io.Reader {
			return strings.NewReader(big)
		}, http.StatusRequestEntityTooLarge, ""},
		{"chunked body over 1 MiB", http.MethodPost, "application/scim+json", func() io.Reader {
			// A reader of unknown length makes the client send the body chunked, without a length.
			return io.MultiReader(strings.NewReader(big))
		}, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := seedPerson(h, "malformed@example.com", func(u *freshservice.User) { u.JobTitle = "Analyst" })
			path := "/scim/v2/Users"
			if tt.method == http.MethodPatch {
				path += "/" + idString(u.ID)
			}
			r := sendRaw(h.t, h, tt.method, path, tt.contentType, tt.body())
			wantSCIMError(t, r, tt.status, tt.scimType)
			if w := writes(h); len(w) > 0 {
				t.Errorf("a refused request wrote to Freshservice: %v", w)
			}
			if got := fsUser(h, u.ID).JobTitle; got != "Analyst" {
				t.Errorf("Freshservice job_title = %q after a refused request", got)
			}
		})
	}
}

// The JSON answer of a refused request must still be a single SCIM error, never the library's
// answer appended to fsscim's.
func TestNormaliseRefusalIsOneDocument(t *testing.T) {
	h := newHarness(t)
	r := sendRaw(h.t, h, http.MethodPost, "/scim/v2/Users", "text/plain", strings.NewReader(`{}`))
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	var first map[string]any
	if err := dec.Decode(&first); err != nil {
		t.Fatalf("answer %q: %v", r.Body, err)
	}
	if dec.More() {
		t.Errorf("answer holds more than one JSON document: %s", r.Body)
	}
}

func TestNormaliseUpdateDialects(t *testing.T) {
	// Entra's multi-attribute update in both dialects; what it sent must read
	// back unchanged, or it would PATCH again every cycle.
	tests := []struct {
		name        string
		ops         string
		displayName string
		given       string
		family      string
		work        string
		externalID  string
	}{
		{"legacy", `{"op":"Replace","path":"displayName","value":"Pvlo"},
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
			{"op":"Replace","path":"name.givenName","value":"Gtfd"},
			{"op":"Replace","path":"name.familyName","value":"Pkqf"},
			{"op":"Replace","path":"externalId","value":"Eqpj"},
			{"op":"Replace","path":"%ENT%:employeeNumber","value":"Eqpj"},
			{"op":"Add","path":"nickName","value":"Babs"}`,
			"Pvlo", "Gtfd", "Pkqf", "TestBcwqnm@test.microsoft.com", "Eqpj"},
		{"aadOptscim062020", `{"op":"replace","path":"emails[type eq \"work\"].value","value":"TestMhvaes@test.microsoft.com"},
			{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
				"externalId":"Aklq","%ENT%:employeeNumber":"Aklq"}}`,
			"Bjfe", "Kkom", "Unua", "TestMhvaes@test.microsoft.com", "Aklq"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := seedPerson(h, "dialect@example.com", nil)
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+idString(u.ID),
				entraBody(`{"schemas":["%PATCH%"],"Operations":[`+tt.ops+`]}`, nil))
			wantStatus(t, r, http.StatusOK)
			got := fsUser(h, u.ID)
			if got.FirstName != tt.given || got.LastName != tt.family || string(got.ExternalID) != tt.externalID {
				t.Errorf("Freshservice holds %q %q external_id %q, want %q %q %q",
					got.FirstName, got.LastName, got.ExternalID, tt.given, tt.family, tt.externalID)
			}
			if len(got.SecondaryEmails) != 1 || !strings.EqualFold(got.SecondaryEmails[0], tt.work) {
				t.Errorf("Freshservice secondary_emails = %v, want [%s]", got.SecondaryEmails, tt.work)
			}
			back := h.getUser(idString(u.ID))
			wantJSONAt(t, "GET answers ", back,
				jsonWant{[]any{"displayName"}, tt.displayName},
				jsonWant{[]any{"name", "givenName"}, tt.given},
				jsonWant{[]any{"name", "familyName"}, tt.family},
				jsonWant{[]any{"emails", 0, "value"}, tt.work},
				jsonWant{[]any{"externalId"}, tt.externalID})
		})
	}
}

func TestNormaliseListParameters(t *testing.T) {
	h := newHarness(t)
	seedPerson(h, "first@example.com", nil)
	seedPerson(h, "second@example.com", nil)
	tests := []struct {
		query    string
		status   int
		scimType string
		items    int // Resources on the page, for a 200
	}{
		{"startIndex=1&count=1", http.StatusOK, "", 1},
		{"startIndex=2&count=1&aadOptscim062020", http.StatusOK, "", 1},
		{"count=all", http.StatusBadRequest, "invalidValue", 0},
		{"startIndex=first", http.StatusBadRequest, "invalidValue", 0},
		{"count=99999999999999999999999", http.StatusBadRequest, "invalidValue", 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := h.do(http.MethodGet, "/scim/v2/Users?"+tt.query, nil)
			if tt.status != http.StatusOK {
				wantSCIMError(t, r, tt.status, tt.scimType)
				return
			}
			wantStatus(t, r, tt.status)
			if got := len(listIDs(t, r.JSON(t), "id")); got != tt.items {
				t.Errorf("%d resources, want %d: %s", got, tt.items, r.Body)
			}
		})
	}
}

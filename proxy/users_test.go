package proxy_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

const (
	usersURNCore         = "urn:ietf:params:scim:schemas:core:2.0:User"
	usersURNEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	usersURNFreshservice = "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User"
	usersURNPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// userPatchBody is a PatchOp body with ops.
func userPatchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []string{usersURNPatchOp}, "Operations": list}
}

func patchOp(kind, path string, value any) map[string]any {
	m := map[string]any{"op": kind, "value": value}
	if path != "" {
		m["path"] = path
	}
	return m
}

// entraUserBody is a minimal Entra create body for email.
func entraUserBody(email string) map[string]any {
	return map[string]any{
		"schemas":  []string{usersURNCore},
		"userName": email,
		"active":   true,
		"name":     map[string]any{"givenName": "Test", "familyName": "User"},
		"emails":   []any{map[string]any{"type": "work", "value": email, "primary": true}},
	}
}

// warmIndex makes the first lookup Entra makes (Test Connection): it verifies the key and builds the index.
func (h *harness) warmIndex() {
	h.t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22b4fa7c1e-0000-4000-8000-000000000000%22", nil)
	if r.Status != http.StatusOK {
		h.t.Fatalf("warm-up lookup: %d %s", r.Status, r.Body)
	}
	if len(h.emu.Calls()) == 0 {
		h.t.Fatal("the first lookup made no Freshservice call: nothing verified the key")
	}
}

// createUser posts body (a map, or JSON text) and returns the new user's id.
func (h *harness) createUser(body any) string {
	h.t.Helper()
	r := h.do(http.MethodPost, "/scim/v2/Users", body)
	if r.Status != http.StatusCreated {
		h.t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id, _ := r.JSON(h.t)["id"].(string)
	if id == "" {
		h.t.Fatalf("create answered no id: %s", r.Body)
	}
	return id
}

func (h *harness) getUser(id string) map[string]any {
	h.t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
	if r.Status != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", id, r.Status, r.Body)
	}
	return r.JSON(h.t)
}

func TestEntraCallCounts(t *testing.T) {
	type callCase struct {
		name string
		// before runs after the warm-up and returns the id the step works on.
		before func(h *harness) string
		method string
		path   string
		body   func(id string) any
		status int
		want   []string
	}
	// patchAfterRead is Entra's PATCH of ops to a user it created and has just read.
	patchAfterRead := func(name, email string, want []string, ops ...map[string]any) callCase {
		return callCase{
			name: name,
			before: func(h *harness) string {
				id := h.createUser(entraUserBody(email))
				h.getUser(id)
				return id
			},
			method: http.MethodPatch,
			path:   "/scim/v2/Users/{id}",
			body:   func(string) any { return userPatchBody(ops...) },
			status: http.StatusOK,
			want:   want,
		}
	}
	tests := []callCase{
		{
			name:   "test connection with a warm index",
			before: func(h *harness) string { return "" },
			method: http.MethodGet,
			path:   "/scim/v2/Users?filter=userName+eq+%22c0ffee00-0000-4000-8000-000000000000%22",
			status: http.StatusOK,
			want:   nil,
		},
		{
			name: "create after Entra's lookup",
			before: func(h *harness) string {
				r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22new.user%40contoso.com%22", nil)
				if r.Status != http.StatusOK || r.JSON(h.t)["totalResults"] != float64(0) {
					h.t.Fatalf("lookup: %d %s", r.Status, r.Body)
				}
				return ""
			},
			method: http.MethodPost,
			path:   "/scim/v2/Users",
			body:   func(string) any { return entraUserBody("new.user@contoso.com") },
			status: http.StatusCreated,
			want:   []string{"POST /requesters"},
		},
		patchAfterRead("patch of plain attributes after Entra's read", "patch.me@contoso.com", []string{"PUT /requesters/{id}"},
			patchOp("Replace", "title", "Boss"), patchOp("Replace", "name.familyName", "Other"),
			patchOp("Add", `phoneNumbers[type eq "mobile"].value`, "+1 555 0100")),
		patchAfterRead("patch that changes nothing", "same@contoso.com", nil,
			patchOp("Replace", "name.familyName", "User"), patchOp("Replace", "active", "True"),
			patchOp("Replace", `emails[type eq "work"].value`, "same@contoso.com")),
		patchAfterRead("disable after Entra's read", "leaver@contoso.com", []string{"DELETE /requesters/{id}"},
			patchOp("Replace", "active", "False")),
		{
			name: "delete after Entra's lookup",
			before: func(h *harness) string {
				id := h.createUser(entraUserBody("deleted@contoso.com"))
				h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22deleted%40contoso.com%22", nil)
				return id
			},
			method: http.MethodDelete,
			path:   "/scim/v2/Users/{id}",
			status: http.StatusNoContent,
			want:   []string{"DELETE /requesters/{id}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.warmIndex()
			id := tt.before(h)
			h.emu.ResetCalls()
			var body any
			if tt.body != nil {
				body = tt.body(id)
			}
			r := h.do(tt.method, strings.ReplaceAll(tt.path, "{id}", id), body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			var want []string
			for _, c := range tt.want {
				want = append(want, strings.ReplaceAll(c, "{id}", id))
			}
			if got := h.calls(); !reflect.DeepEqual(got, want) {
				t.Fatalf("Freshservice calls %q, want %q", got, want)
			}
		})
	}
}

// TestUserRoundTrip checks that GET answers every attribute exactly as Entra sent it, after the create
// and after a PATCH: a value that reads back differently makes Entra PATCH it again on every cycle.
func TestUserRoundTrip(t *testing.T) {
	type read func(u map[string]any) any
	at := func(keys ...string) read {
		return func(u map[string]any) any {
			var v any = u
			for _, k := range keys {
				m, _ := v.(map[string]any)
				v = m[k]
			}
			return v
		}
	}
	typed := func(attr, typ, sub string) read {
		return func(u map[string]any) any {
			list, _ := u[attr].([]any)
			for _, e := range list {
				if m, _ := e.(map[string]any); m["type"] == typ {
					return m[sub]
				}
			}
			return nil
		}
	}
	tests := []struct {
		name    string
		path    string // PATCH path, and the attribute the create sets
		read    read
		created any
		patched any
	}{
		{"time zone", "timezone", at("timezone"), "America/New_York", "Europe/London"},
		{"time zone alias", "timezone", at("timezone"), "Asia/Calcutta", "US/Pacific"},
		{"time zone alias then its canonical name", "timezone", at("timezone"), "Asia/Calcutta", "Asia/Kolkata"},
		{"time zone canonical name then an alias", "timezone", at("timezone"), "Europe/Berlin", "Europe/Busingen"},
		{"preferred language with region", "preferredLanguage", at("preferredLanguage"), "en-US", "pt-BR"},
		{"preferred language region to plain", "preferredLanguage", at("preferredLanguage"), "en-GB", "en"},
		{"title", "title", at("title"), "Engineer", "engineer"},
		{"display name other than first last", "displayName", at("displayName"), "Dr. Ann Lee", "Ann Lee (Contractor)"},
		{"given name", "name.givenName", at("name", "givenName"), "Ann", "ANN"},
		{"work phone forms", `phoneNumbers[type eq "work"].value`, typed("phoneNumbers", "work", "value"), "+1 (425) 555-0100", "4255550100"},
		{"mobile phone forms", `phoneNumbers[type eq "mobile"].value`, typed("phoneNumbers", "mobile", "value"), "0044 7700 900123", "+44 7700 900123"},
		{"work address", `addresses[type eq "work"].formatted`, typed("addresses", "work", "formatted"), "1 Microsoft Way\nRedmond, WA", "Unter den Linden 1, Berlin"},
		{"work email case of the userName", `emails[type eq "work"].value`, typed("emails", "work", "value"), "ANN.LEE@contoso.com", "ann.lee@Contoso.com"},
		{"work email other than the userName", `emails[type eq "work"].value`, typed("emails", "work", "value"), "Ann@Mail.Contoso.com", "ann@mail.contoso.com"},
		{"department case", usersURNEnterprise + ":department", at(usersURNEnterprise, "department"), "engineering", "SALES"},
		{"department case only", usersURNEnterprise + ":department", at(usersURNEnterprise, "department"), "engineering", "ENGINEERING"},
		{"location case", usersURNFreshservice + ":location", at(usersURNFreshservice, "location"), "berlin", "Berlin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.emu.AddDepartment("Engineering")
			h.emu.AddDepartment("Sales")
			h.emu.AddLocation("Berlin")
			body := entraUserBody("Ann.Lee@contoso.com")
			setBodyAttribute(body, tt.path, tt.created)
			id := h.createUser(body)
			if got := tt.read(h.getUser(id)); got != tt.created {
				t.Fatalf("after create GET answers %#v, Entra sent %#v", got, tt.created)
			}
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", tt.path, tt.patched)))
			if r.Status != http.StatusOK {
				t.Fatalf("PATCH: %d %s", r.Status, r.Body)
			}
			if got := tt.read(r.JSON(t)); got != tt.patched {
				t.Errorf("PATCH answers %#v, Entra sent %#v", got, tt.patched)
			}
			if got := tt.read(h.getUser(id)); got != tt.patched {
				t.Fatalf("after PATCH GET answers %#v, Entra sent %#v", got, tt.patched)
			}
			// Entra's next cycle re-sends the value it reads: nothing to write.
			h.emu.ResetCalls()
			r = h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", tt.path, tt.patched)))
			if r.Status != http.StatusOK {
				t.Fatalf("repeated PATCH: %d %s", r.Status, r.Body)
			}
			if got := h.calls(); len(got) != 0 {
				t.Fatalf("a PATCH re-sending the value read back made calls %q", got)
			}
		})
	}
}

// TestPatchExternalID: Entra's default mapping sends mailNickname as externalId, and PATCHes it when
// it changes, with a path or path-less. The change must reach Freshservice's external_id.
// Known failure: the normaliser drops both forms as an unknown attribute (knownSchemas.known in
// proxy/normalise.go checks the schema's attributes, and externalId is a common attribute).
func TestPatchExternalID(t *testing.T) {
	tests := []struct {
		name string
		op   map[string]any
	}{
		{"with path", patchOp("Replace", "externalId", "ann.lee")},
		{"path-less", patchOp("replace", "", map[string]any{"externalId": "ann.lee"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			body := entraUserBody("ann.lee@contoso.com")
			body["externalId"] = "5b50642d-79fc-4410-9e90-4c077cdd1a59"
			id := h.createUser(body)
			r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(tt.op))
			if r.Status != http.StatusOK {
				t.Fatalf("PATCH: %d %s", r.Status, r.Body)
			}
			if got := h.getUser(id)["externalId"]; got != "ann.lee" {
				t.Errorf("GET answers externalId %v, want ann.lee", got)
			}
			if u, _ := h.emu.UserByEmail("ann.lee@contoso.com"); u.ExternalID != "ann.lee" {
				t.Errorf("Freshservice external_id is %q, want ann.lee", u.ExternalID)
			}
		})
	}
}

// setBodyAttribute puts value into a create body at a PATCH path (the few forms TestUserRoundTrip uses).
func setBodyAttribute(body map[string]any, path string, value any) {
	switch {
	case strings.HasPrefix(path, usersURNEnterprise+":"):
		body[usersURNEnterprise] = map[string]any{strings.TrimPrefix(path, usersURNEnterprise+":"): value}
	case strings.HasPrefix(path, usersURNFreshservice+":"):
		body[usersURNFreshservice] = map[string]any{strings.TrimPrefix(path, usersURNFreshservice+":"): value}
	case strings.HasPrefix(path, "name."):
		body["name"].(map[string]any)[strings.TrimPrefix(path, "name.")] = value
	case strings.Contains(path, "[type eq "):
		attr, rest, _ := strings.Cut(path, "[type eq \"")
		typ, sub, _ := strings.Cut(rest, "\"].")
		body[attr] = []any{map[string]any{"type": typ, sub: value}}
	default:
		body[path] = value
	}
}

// TestConcurrentCreatesMakeOneUser sends the same create six times at once: one makes the user (201),
// the others find it made for the same userName and are 409 uniqueness (RFC 7644 §3.3); Freshservice
// holds one user.
func TestConcurrentCreatesMakeOneUser(t *testing.T) {
	h := newHarness(t)
	h.warmIndex()
	const n = 6
	ids := make([]string, n)
	answers := make([]response, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			answers[i] = h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("twice@contoso.com"))
		}(i)
	}
	wg.Wait()
	created := 0
	for i, r := range answers {
		switch r.Status {
		case http.StatusCreated:
			created++
			ids[i], _ = r.JSON(t)["id"].(string)
		case http.StatusConflict:
			if typ, _ := r.JSON(t)["scimType"].(string); typ != "uniqueness" {
				t.Fatalf("409 without scimType uniqueness: %s", r.Body)
			}
		default:
			t.Fatalf("answer %d: %d %s", i, r.Status, r.Body)
		}
	}
	if created != 1 {
		t.Fatalf("%d creates answered 201 (ids %q), want exactly one", created, ids)
	}
	if got := usersWithEmail(h, "twice@contoso.com"); got != 1 {
		t.Fatalf("%d users hold the email, want 1", got)
	}
}

func usersWithEmail(h *harness, email string) int {
	n := 0
	for _, u := range h.emu.Users() {
		if strings.EqualFold(u.Mail(), email) {
			n++
		}
	}
	return n
}

// TestLostCreateAnswer: Freshservice made the user but its answer never arrived. With adoption turned
// off too, the create must not end in a 409 for the user fsscim itself just made, nor in a second user.
func TestLostCreateAnswer(t *testing.T) {
	for _, reactivate := range []bool{true, false} {
		t.Run(fmt.Sprintf("reactivate_existing %t", reactivate), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withTenant(fmt.Sprintf("users: {reactivate_existing: %t}", reactivate)))
			h.warmIndex()
			h.emu.InjectFault(freshservicetest.Fault{Drop: true, AfterWrite: true, Method: http.MethodPost, PathPrefix: "/api/v2/requesters"}, 1)
			r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("lost@contoso.com"))
			if r.Status != http.StatusCreated {
				t.Fatalf("status %d, want 201: %s", r.Status, r.Body)
			}
			u, ok := h.emu.UserByEmail("lost@contoso.com")
			if !ok || r.JSON(t)["id"] != fmt.Sprint(u.ID) {
				t.Fatalf("answered %s; Freshservice holds %+v", r.Body, u)
			}
			if got := usersWithEmail(h, "lost@contoso.com"); got != 1 {
				t.Fatalf("%d users hold the email, want 1", got)
			}
		})
	}
}

// TestLostCreateAnswerAndLookupFails: when even the lookup after a lost answer fails, fsscim cannot
// know whether the user exists, so it must not answer 2xx.
func TestLostCreateAnswerAndLookupFails(t *testing.T) {
	h := newHarness(t)
	h.warmIndex()
	h.emu.InjectFault(freshservicetest.Fault{Drop: true, AfterWrite: true, Method: http.MethodPost, PathPrefix: "/api/v2/requesters"}, 1)
	h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusServiceUnavailable, Method: http.MethodGet, PathPrefix: "/api/v2/requesters"}, -1)
	r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("unsure@contoso.com"))
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q, want 503 with Retry-After: %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	h.emu.ClearFaults()
	// Entra retries later: the user made by the lost POST is adopted, not duplicated.
	r = h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("unsure@contoso.com"))
	if r.Status != http.StatusCreated {
		t.Fatalf("retry: status %d: %s", r.Status, r.Body)
	}
	if got := usersWithEmail(h, "unsure@contoso.com"); got != 1 {
		t.Fatalf("%d users hold the email, want 1", got)
	}
}

// TestCreateAfterUserForgottenInFreshservice: the index still names a user that an admin deleted for
// good in Freshservice; the email is free and the create makes a new user.
func TestCreateAfterUserForgottenInFreshservice(t *testing.T) {
	h := newHarness(t)
	old := h.emu.AddRequester(freshservice.User{PrimaryEmail: "back@contoso.com", FirstName: "Back"})
	h.warmIndex()
	if r := h.emuCall(http.MethodDelete, fmt.Sprintf("/requesters/%d/forget", old.ID)); r.Status != http.StatusNoContent {
		t.Fatalf("forget in the emulator: %d", r.Status)
	}
	r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("back@contoso.com"))
	if r.Status != http.StatusCreated {
		t.Fatalf("status %d, want 201: %s", r.Status, r.Body)
	}
	u, ok := h.emu.UserByEmail("back@contoso.com")
	if !ok || u.ID == old.ID || r.JSON(t)["id"] != fmt.Sprint(u.ID) {
		t.Fatalf("answered %s; Freshservice holds %+v (forgotten id %d)", r.Body, u, old.ID)
	}
}

// TestCreateDisabledUser: Entra may provision an account that is disabled at the source.
func TestCreateDisabledUser(t *testing.T) {
	h := newHarness(t)
	body := entraUserBody("disabled@contoso.com")
	body["active"] = "False"
	id := h.createUser(body)
	u, ok := h.emu.UserByEmail("disabled@contoso.com")
	if !ok || u.Active {
		t.Fatalf("Freshservice holds %+v, want an inactive user", u)
	}
	if got := h.getUser(id)["active"]; got != false {
		t.Fatalf("GET answers active %v, want false", got)
	}
}

// TestWorkEmailLookup: Entra matches on emails[type eq "work"].value when an admin picks it as the
// matching attribute. A work email other than the userName is the Freshservice user's secondary email.
// Known failure: the directory index keeps primary emails only (freshservice/index.go), so a work
// email held as a secondary email is answered as absent.
func TestWorkEmailLookup(t *testing.T) {
	tests := []struct {
		name      string
		userName  string
		workEmail string
		filter    string
	}{
		{"work email is the userName", "same.one@contoso.com", "same.one@contoso.com", "Same.One%40contoso.com"},
		{"work email differs from the userName", "upn.user@contoso.com", "Mail.User@contoso.com", "mail.user%40contoso.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.warmIndex()
			body := entraUserBody(tt.userName)
			body["emails"] = []any{map[string]any{"type": "work", "value": tt.workEmail, "primary": true}}
			id := h.createUser(body)
			r := h.do(http.MethodGet, "/scim/v2/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22"+tt.filter+"%22", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			list := r.JSON(t)
			res, _ := list["Resources"].([]any)
			if list["totalResults"] != float64(1) || len(res) != 1 || res[0].(map[string]any)["id"] != id {
				t.Fatalf("lookup by work email answered %s, want user %s", r.Body, id)
			}
		})
	}
}

func TestGetUnknownUser(t *testing.T) {
	h := newHarness(t)
	for _, id := range []string{"21999999999", "abc", "0", "-5"} {
		r := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
		if r.Status != http.StatusNotFound || r.JSON(t)["status"] != "404" {
			t.Fatalf("GET %s: %d %s, want a SCIM 404", id, r.Status, r.Body)
		}
	}
}

// TestUpstreamTimeout: a Freshservice call that does not answer in time is a 503 with Retry-After, for
// a read and for a write, and a write that timed out is not reported as made.
func TestUpstreamTimeout(t *testing.T) {
	h := newHarness(t, withServer(func(o *proxy.Options) { o.UpstreamTimeout = 200 * time.Millisecond }))
	h.warmIndex()
	// Made in Freshservice after the replica was built: a read of it asks Freshservice.
	seeded := h.emu.AddRequester(freshservice.User{PrimaryEmail: "slow@contoso.com", FirstName: "Slow"})
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		fault  freshservicetest.Fault
	}{
		{"create", http.MethodPost, "/scim/v2/Users", entraUserBody("late@contoso.com"),
			freshservicetest.Fault{Latency: 2 * time.Second, Method: http.MethodPost, PathPrefix: "/api/v2/requesters"}},
		{"get", http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID), nil,
			freshservicetest.Fault{Latency: 2 * time.Second, Method: http.MethodGet, PathPrefix: "/api/v2/requesters/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.emu.InjectFault(tt.fault, -1)
			defer h.emu.ClearFaults()
			r := h.do(tt.method, tt.path, tt.body)
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After: %s", r.Status, r.Header.Get("Retry-After"), r.Body)
			}
		})
	}
	if _, ok := h.emu.UserByEmail("late@contoso.com"); ok {
		t.Fatal("the timed-out create made a user")
	}
}

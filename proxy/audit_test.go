package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store/audit"
)

// withAudit keeps the server's audit trail in a bbolt file of its own; the path is written to *path.
func withAudit(t *testing.T, path *string) harnessOption {
	*path = filepath.Join(t.TempDir(), audit.DefaultFileName)
	log, err := audit.OpenBolt(*path, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	return withServer(func(o *proxy.Options) { o.Audit = log })
}

// trail reads the tenant's whole trail, oldest first.
func (h *harness) trail() []audit.Entry {
	h.t.Helper()
	entries, err := h.srv.Audit().Find(context.Background(), audit.Query{Tenant: h.domain, Limit: audit.MaxLimit})
	if err != nil {
		h.t.Fatal(err)
	}
	slices.Reverse(entries)
	return entries
}

// summary is an entry in one line: operation, kind, who, status, and whether it was a dry run.
func summary(e audit.Entry) string {
	s := fmt.Sprintf("%s %s %s", e.Operation, e.Kind, e.Email)
	if e.Kind == "group" {
		s = fmt.Sprintf("%s group %q", e.Operation, e.Name)
		if e.MemberID != 0 {
			s += " member " + e.Email
		}
	}
	s += " " + strconv.Itoa(e.Status)
	if e.DryRun {
		s += " dry-run"
	}
	return s
}

func changesOf(e audit.Entry) map[string]string {
	out := map[string]string{}
	for _, c := range e.Changes {
		out[c.Field] = c.Value
	}
	return out
}

// TestAuditTrailRecordsEveryWrite sends each kind of SCIM write and checks the entries it leaves in
// the trail: one per Freshservice write, with Freshservice's status, the SCIM request and the fields
// written; a dry run records what it would have written; a write Freshservice refused records its
// status and reason.
func TestAuditTrailRecordsEveryWrite(t *testing.T) {
	const maria = "maria@contoso.com"
	type step struct {
		method, path string
		body         any
	}
	// The requests and preparations most cases share.
	createMaria := func(h *harness) string { return h.createUser(entraUserBody(maria)) }
	postMaria := func(string) step { return step{http.MethodPost, "/scim/v2/Users", entraUserBody(maria)} }
	replaceOfUser := func(attr string, value any) func(id string) step {
		return func(id string) step {
			return step{http.MethodPatch, "/scim/v2/Users/" + id, userPatchBody(patchOp("replace", attr, value))}
		}
	}
	deleteOf := func(resource string) func(id string) step {
		return func(id string) step { return step{http.MethodDelete, "/scim/v2/" + resource + "/" + id, nil} }
	}
	cases := []struct {
		name   string
		tenant string
		// prepare runs before the request (its writes are not checked) and returns the user id.
		prepare func(h *harness) string
		request func(id string) step
		// fault is injected into every matching Freshservice call of the request.
		fault  *freshservicetest.Fault
		status int
		want   []string
		// unordered: the request's writes run concurrently (requester group members).
		unordered bool
		check     func(t *testing.T, h *harness, entries []audit.Entry)
	}{
		{
			name:    "create",
			request: postMaria,
			status:  http.StatusCreated,
			want:    []string{"create user " + maria + " 201"},
			check: func(t *testing.T, h *harness, entries []audit.Entry) {
				c := changesOf(entries[0])
				if c["primary_email"] != maria || c["first_name"] != "Test" || c["last_name"] != "User" {
					t.Errorf("changes %v: want primary_email, first_name and last_name as sent", entries[0].Changes)
				}
				if u, ok := h.emu.UserByEmail(maria); !ok || entries[0].ID != u.ID {
					t.Errorf("entry id %d is not the new user's", entries[0].ID)
				}
			},
		},
		{
			name:    "update",
			prepare: createMaria,
			request: replaceOfUser("title", "Engineer"),
			status:  http.StatusOK,
			want:    []string{"update user " + maria + " 200"},
			check: func(t *testing.T, h *harness, entries []audit.Entry) {
				if c := changesOf(entries[0]); len(c) != 1 || c["job_title"] != "Engineer" {
					t.Errorf("changes %v: want job_title Engineer only", entries[0].Changes)
				}
			},
		},
		{
			name:    "deactivate",
			prepare: createMaria,
			request: replaceOfUser("active", false),
			status:  http.StatusOK,
			want:    []string{"deactivate user " + maria + " 204"},
		},
		{
			name: "reactivate",
			prepare: func(h *harness) string {
				id := h.createUser(entraUserBody(maria))
				if r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("replace", "active", false))); r.Status != http.StatusOK {
					t.Fatalf("disable: %d %s", r.Status, r.Body)
				}
				return id
			},
			request: replaceOfUser("active", true),
			status:  http.StatusOK,
			want:    []string{"reactivate user " + maria + " 200"},
		},
		{
			name:    "delete (on_delete: deactivate)",
			prepare: createMaria,
			request: deleteOf("Users"),
			status:  http.StatusNoContent,
			want:    []string{"deactivate user " + maria + " 204"},
		},
		{
			name:    "delete (on_delete: forget)",
			tenant:  "users: {on_delete: forget}",
			prepare: createMaria,
			request: deleteOf("Users"),
			status:  http.StatusNoContent,
			want:    []string{"delete user " + maria + " 204"},
		},
		{
			name:    "convert to agent",
			prepare: createMaria,
			request: replaceOfUser(usersURNFreshservice+":isAgent", "True"),
			status:  http.StatusOK,
			want:    []string{"convert user " + maria + " 200"},
			check: func(t *testing.T, h *harness, entries []audit.Entry) {
				if c := changesOf(entries[0]); c["type"] != "agent" {
					t.Errorf("changes %v: want type agent", entries[0].Changes)
				}
			},
		},
		{
			name: "group create",
			request: func(string) step {
				return step{http.MethodPost, "/scim/v2/Groups", map[string]any{"displayName": "Sales"}}
			},
			status: http.StatusCreated,
			want:   []string{`group_create group "Sales" 201`},
		},
		{
			name: "group rename and members of a requester group",
			prepare: func(h *harness) string {
				ids := seedGroupUsers(h, 2, false)
				groupWarmIndex(t, h)
				gid := groupCreate(t, h, "Sales")
				if r := h.do(http.MethodPatch, "/scim/v2/Groups/"+strconv.FormatInt(gid, 10), groupPatch(groupMemberOp("add", ids[0]))); r.Status != http.StatusNoContent && r.Status != http.StatusOK {
					t.Fatalf("add member: %d %s", r.Status, r.Body)
				}
				return strconv.FormatInt(gid, 10) + "," + strconv.FormatInt(ids[0], 10) + "," + strconv.FormatInt(ids[1], 10)
			},
			request: func(ids string) step {
				p := strings.Split(ids, ",")
				first, _ := strconv.ParseInt(p[1], 10, 64)
				second, _ := strconv.ParseInt(p[2], 10, 64)
				return step{http.MethodPatch, "/scim/v2/Groups/" + p[0], groupPatch(
					patchOp("replace", "displayName", "Sales EMEA"), groupMemberOp("remove", first), groupMemberOp("add", second))}
			},
			want: []string{`group_update group "Sales EMEA" 200`, `members_remove group "Sales EMEA" member user000@contoso.com 204`,
				`members_add group "Sales EMEA" member user001@contoso.com 200`},
			unordered: true,
		},
		{
			name:   "members of an agent group",
			tenant: "groups: {target: agent_groups}",
			prepare: func(h *harness) string {
				ids := seedGroupUsers(h, 1, true)
				groupWarmIndex(t, h)
				return strconv.FormatInt(groupCreate(t, h, "Service desk"), 10) + "," + strconv.FormatInt(ids[0], 10)
			},
			request: func(ids string) step {
				p := strings.Split(ids, ",")
				uid, _ := strconv.ParseInt(p[1], 10, 64)
				return step{http.MethodPatch, "/scim/v2/Groups/" + p[0], groupPatch(groupMemberOp("add", uid))}
			},
			want: []string{`members_add group "Service desk" member user000@contoso.com 200`},
		},
		{
			name:    "group delete",
			prepare: func(h *harness) string { return strconv.FormatInt(groupCreate(t, h, "Sales"), 10) },
			request: deleteOf("Groups"),
			status:  http.StatusNoContent,
			want:    []string{`group_delete group "Sales" 204`},
		},
		{
			name:    "dry run: a create is recorded, not made",
			tenant:  "dry_run: true",
			request: postMaria,
			status:  http.StatusCreated,
			want:    []string{"create user " + maria + " 0 dry-run"},
			check: func(t *testing.T, h *harness, entries []audit.Entry) {
				if _, ok := h.emu.UserByEmail(maria); ok {
					t.Error("a dry run created the user")
				}
				if c := changesOf(entries[0]); c["primary_email"] != maria {
					t.Errorf("changes %v: want what would have been written", entries[0].Changes)
				}
			},
		},
		{
			name:   "dry run: a disable is recorded, not made",
			tenant: "dry_run: true",
			prepare: func(h *harness) string {
				u := h.emu.AddRequester(freshservice.User{FirstName: "Maria", PrimaryEmail: maria})
				h.warmIndex()
				return strconv.FormatInt(u.ID, 10)
			},
			request: replaceOfUser("active", false),
			status:  http.StatusOK,
			want:    []string{"deactivate user " + maria + " 0 dry-run"},
		},
		{
			name:    "a write Freshservice refuses",
			prepare: createMaria,
			fault:   &freshservicetest.Fault{Status: http.StatusBadGateway, Method: http.MethodPut, PathPrefix: "/api/v2/requesters"},
			request: replaceOfUser("title", "Engineer"),
			status:  http.StatusServiceUnavailable,
			want:    []string{"update user " + maria + " 502"},
			check: func(t *testing.T, h *harness, entries []audit.Entry) {
				if !strings.Contains(entries[0].Error, "502") {
					t.Errorf("error %q does not give Freshservice's status", entries[0].Error)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			h := newHarness(t, withTenant(tc.tenant), withAudit(t, &path))
			id := ""
			if tc.prepare != nil {
				id = tc.prepare(h)
			}
			before := len(h.trail())
			if tc.fault != nil {
				h.emu.InjectFault(*tc.fault, -1)
			}
			st := tc.request(id)
			r := h.do(st.method, st.path, st.body)
			if tc.status != 0 && r.Status != tc.status {
				t.Fatalf("%s %s: %d %s", st.method, st.path, r.Status, r.Body)
			}
			entries := h.trail()[before:]
			got := make([]string, len(entries))
			for i, e := range entries {
				got[i] = summary(e)
			}
			if tc.unordered {
				slices.Sort(got)
				slices.Sort(tc.want)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, e := range entries {
				if e.Method != st.method || e.Path != strings.SplitN(st.path, "?", 2)[0] || e.RequestID != r.Header.Get("X-Request-Id") || e.RequestID == "" {
					t.Errorf("entry names request %s %s %q, want %s %s %q", e.Method, e.Path, e.RequestID, st.method, st.path, r.Header.Get("X-Request-Id"))
				}
				if e.Tenant != testDomain || e.At.IsZero() {
					t.Errorf("entry tenant %q at %v", e.Tenant, e.At)
				}
			}
			if tc.check != nil {
				tc.check(t, h, entries)
			}
			h.noSecretIn(path)
			h.noSecretIn(h.storePath)
		})
	}
}

// noSecretIn checks that neither the API key nor the token is in the file at path.
func (h *harness) noSecretIn(path string) {
	h.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, secret := range []string{h.apiKey, h.token} {
		if bytes.Contains(data, []byte(secret)) {
			h.t.Errorf("%s holds a secret", filepath.Base(path))
		}
	}
}

// TestAuditWriteFailureDoesNotFailTheWrite: a trail that cannot keep an entry leaves the SCIM answer
// as Freshservice's write made it, and is logged and counted.
func TestAuditWriteFailureDoesNotFailTheWrite(t *testing.T) {
	var path string
	h := newHarness(t, withAudit(t, &path))
	if err := h.srv.Audit().(*audit.Bolt).Close(); err != nil {
		t.Fatal(err)
	}
	id := h.createUser(entraUserBody("maria@contoso.com"))
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("create answered id %q", id)
	}
	if !strings.Contains(h.logs.String(), "could not record a write in the audit trail") {
		t.Error("the failure was not logged")
	}
	m := h.doAdmin("/metrics")
	if !strings.Contains(string(m.Body), `fsscim_audit_write_errors_total{tenant="acme.freshservice.com"} 1`) {
		t.Errorf("the failure was not counted:\n%s", proxytest.GrepLines(string(m.Body), "fsscim_audit"))
	}
}

// TestAdminAuditEndpoint reads the trail through the admin listener: only with the admin token,
// filtered by user, as JSON.
func TestAdminAuditEndpoint(t *testing.T) {
	var path string
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	const adminToken = "an-admin-token-of-at-least-32-characters-0123"
	if err := os.WriteFile(tokenFile, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, err := config.LoadAdminTokenFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withAudit(t, &path), withServer(func(o *proxy.Options) { o.AdminToken = tok }))
	h.createUser(entraUserBody("maria@contoso.com"))
	h.createUser(entraUserBody("bob@contoso.com"))

	admin := httptest.NewServer(h.srv.AdminHandler())
	t.Cleanup(admin.Close)
	get := func(query, auth string) response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, admin.URL+"/audit?"+query, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return response{Status: resp.StatusCode, Body: buf.Bytes()}
	}
	if r := get("domain=acme.freshservice.com", ""); r.Status != http.StatusUnauthorized {
		t.Errorf("without the token: %d %s", r.Status, r.Body)
	}
	if r := get("domain=acme.freshservice.com", "Bearer "+h.token); r.Status != http.StatusUnauthorized {
		t.Errorf("with a tenant's token: %d %s", r.Status, r.Body)
	}
	if r := get("domain=acme.freshservice.com&since=yesterday", "Bearer "+adminToken); r.Status != http.StatusBadRequest {
		t.Errorf("a bad since: %d %s", r.Status, r.Body)
	}
	r := get("domain=https://Acme.freshservice.com/&user=MARIA@contoso.com&since=1h", "Bearer "+adminToken)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /audit: %d %s", r.Status, r.Body)
	}
	var answer proxy.AuditAnswer
	if err := json.Unmarshal(r.Body, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.Domain != testDomain || len(answer.Entries) != 1 || answer.Entries[0].Email != "maria@contoso.com" || answer.Entries[0].Operation != audit.Create {
		t.Errorf("answer %s", r.Body)
	}
}

package proxy_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

const freshserviceURN = "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User"

func patchOps(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": list}
}

// agentChanges are the requests that would take an agent out of Freshservice's agents: Entra's
// disable (with another change in the same PATCH), a PUT with active false, a conversion to a
// requester, and a DELETE.
func agentChanges(email string) []struct {
	name, method string
	body         any
} {
	return []struct {
		name, method string
		body         any
	}{
		{"disable", http.MethodPatch, patchOps(
			map[string]any{"op": "Replace", "path": "title", "value": "Gone"},
			map[string]any{"op": "Replace", "path": "active", "value": "False"})},
		{"replace inactive", http.MethodPut, map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": email, "active": false,
			"emails": []any{map[string]any{"type": "work", "primary": true, "value": email}}}},
		{"convert to requester", http.MethodPatch, patchOps(
			map[string]any{"op": "replace", "path": freshserviceURN + ":isAgent", "value": "false"})},
		{"delete", http.MethodDelete, nil},
	}
}

// assertUntouched checks that a refused change wrote nothing: the agent is active, still an agent,
// and kept its title, and Freshservice saw no write.
func assertUntouched(t *testing.T, h *harness, id int64, title string) {
	t.Helper()
	u, ok := h.emu.User(id)
	if !ok || !u.Active || !u.IsAgent || u.JobTitle != title {
		t.Errorf("agent after a refused change: found %v, active %v, agent %v, title %q", ok, u.Active, u.IsAgent, u.JobTitle)
	}
	for _, c := range h.calls() {
		if !strings.HasPrefix(c, http.MethodGet+" ") {
			t.Errorf("a refused change wrote to Freshservice: %s", c)
		}
	}
}

// TestKeyOwnerIsNeverTakenOut: no SCIM request deactivates, deletes or converts the agent owning the
// API key in the tenant's token, whatever the tenant file says: the 403 says why and what to do, the
// agent is untouched, and the key keeps working.
func TestKeyOwnerIsNeverTakenOut(t *testing.T) {
	for _, tt := range []struct{ name, file string }{
		{"defaults", ""},
		{"account admins allowed", "users: {manage_account_admins: true}"},
		{"account admins allowed, delete forgets", "users: {on_delete: forget, manage_account_admins: true}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withTenant(tt.file))
			owner := h.emu.AddAPIKey(h.apiKey, true) // the harness's key: the same agent again
			path := "/scim/v2/Users/" + strconv.FormatInt(owner.ID, 10)
			for _, ch := range agentChanges(owner.Email) {
				h.emu.ResetCalls()
				r := h.do(ch.method, path, ch.body)
				hdAssertSCIMError(t, r, http.StatusForbidden, "")
				if detail := string(r.Body); !strings.Contains(detail, "owns the Freshservice API key") || !strings.Contains(detail, strconv.FormatInt(owner.ID, 10)) {
					t.Errorf("%s: the refusal does not say why: %s", ch.name, r.Body)
				}
				assertUntouched(t, h, owner.ID, owner.JobTitle)
			}
			if r := h.do(http.MethodGet, path, nil); r.Status != http.StatusOK {
				t.Errorf("the key no longer works after the refusals: %d %s", r.Status, r.Body)
			}
		})
	}
}

// TestAccountAdminsNeedTheTenantFilesConsent: an agent holding the Account Admin role is not
// deactivated, deleted or converted unless the tenant file sets users.manage_account_admins; other
// agents are, and so is the admin once the file allows it.
func TestAccountAdminsNeedTheTenantFilesConsent(t *testing.T) {
	adminRole := []freshservice.Role{{RoleID: freshservicetest.AccountAdminRoleID, AssignmentScope: "entire_helpdesk"}}
	t.Run("refused by default", func(t *testing.T) {
		h := newHarness(t)
		admin := h.emu.AddAgent(freshservice.User{FirstName: "Ada", Email: "ada@example.com", JobTitle: "CIO", Roles: adminRole})
		path := "/scim/v2/Users/" + strconv.FormatInt(admin.ID, 10)
		for _, ch := range agentChanges(admin.Email) {
			h.emu.ResetCalls()
			r := h.do(ch.method, path, ch.body)
			hdAssertSCIMError(t, r, http.StatusForbidden, "")
			if detail := string(r.Body); !strings.Contains(detail, "Account Admin role") || !strings.Contains(detail, "users.manage_account_admins: true") {
				t.Errorf("%s: the refusal does not say why and what to do: %s", ch.name, r.Body)
			}
			assertUntouched(t, h, admin.ID, "CIO")
		}
		// An agent with another role is disabled as Entra asks.
		agent := h.emu.AddAgent(freshservice.User{FirstName: "Bo", Email: "bo@example.com"})
		r := h.do(http.MethodPatch, "/scim/v2/Users/"+strconv.FormatInt(agent.ID, 10),
			patchOps(map[string]any{"op": "Replace", "path": "active", "value": "False"}))
		if u, _ := h.emu.User(agent.ID); r.Status != http.StatusOK || u.Active {
			t.Errorf("disabling an SD Agent: %d (active %v) %s", r.Status, u.Active, r.Body)
		}
	})
	for _, ch := range agentChanges("ada@example.com") {
		t.Run("allowed by the tenant file: "+ch.name, func(t *testing.T) {
			h := newHarness(t, withTenant("users: {manage_account_admins: true}"))
			admin := h.emu.AddAgent(freshservice.User{FirstName: "Ada", Email: "ada@example.com", Roles: adminRole})
			r := h.do(ch.method, "/scim/v2/Users/"+strconv.FormatInt(admin.ID, 10), ch.body)
			if r.Status >= 300 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if u, _ := h.emu.User(admin.ID); u.Active && u.IsAgent {
				t.Errorf("the Account Admin is still an active agent after %s", ch.name)
			}
		})
	}
}

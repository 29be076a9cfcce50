package proxy_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// TestEnableRetryFinishesAnInterruptedRestore: an enable whose membership restore fails half-way is
// answered 503; Freshservice already has the user active. Entra's retry of the same PATCH must still
// put the user back in every group (and its department), not find "nothing changed".
func TestEnableRetryFinishesAnInterruptedRestore(t *testing.T) {
	h := newHarness(t)
	sales := h.emu.AddDepartment("Sales")
	users := seedGroupUsers(h, 1, false)
	ann := users[0]
	r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Users/%d", ann), entraBody(`{"schemas":["%PATCH%"],"Operations":[{"op":"Replace","path":"%ENT%:department","value":"Sales"}]}`, nil))
	wantStatus(t, r, http.StatusOK)
	keep, other := groupCreate(t, h, "Keep"), groupCreate(t, h, "Other")
	for _, g := range []int64{keep, other} {
		if r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", g), groupPatch(groupMemberOp("Add", ann))); r.Status != http.StatusNoContent {
			t.Fatalf("add member: %d %s", r.Status, r.Body)
		}
	}
	annPath := fmt.Sprintf("/scim/v2/Users/%d", ann)
	wantStatus(t, h.do(http.MethodPatch, annPath, groupPatch(groupActiveOp("False"))), http.StatusOK)

	h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusServiceUnavailable, Method: http.MethodPost,
		PathPrefix: fmt.Sprintf("/api/v2/requester_groups/%d/members/", other)}, 1)
	r = h.do(http.MethodPatch, annPath, groupPatch(groupActiveOp("True")))
	wantStatus(t, r, http.StatusServiceUnavailable)
	if !fsUser(h, ann).Active {
		t.Fatal("the test expects Freshservice to have reactivated the user before the restore failed")
	}

	// Entra reads the user before it retries: Freshservice says active.
	wantStatus(t, h.do(http.MethodGet, annPath, nil), http.StatusOK)
	r = h.do(http.MethodPatch, annPath, groupPatch(groupActiveOp("True")))
	wantStatus(t, r, http.StatusOK)
	for name, g := range map[string]int64{"Keep": keep, "Other": other} {
		if !slices.Contains(h.emu.RequesterGroupMembers(g), ann) {
			t.Errorf("after the retry the user is not back in group %s: %v", name, h.emu.RequesterGroupMembers(g))
		}
	}
	if got := fsUser(h, ann).DepartmentIDs; !slices.Equal(got, []int64{sales.ID}) {
		t.Errorf("department after the retry: %v, want [%d]", got, sales.ID)
	}
	// Once restored, a further enable is a no-op: no Freshservice write.
	h.emu.ResetCalls()
	wantStatus(t, h.do(http.MethodPatch, annPath, groupPatch(groupActiveOp("True"))), http.StatusOK)
	for _, c := range h.calls() {
		if c[:3] != "GET" {
			t.Errorf("a repeated enable wrote to Freshservice: %v", h.calls())
			break
		}
	}
}

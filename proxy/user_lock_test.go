package proxy_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// TestChangeReadsTheUserUnderItsLock sends a title change while an enable of the same disabled user
// is under way. The change must wait for the enable and then work on the enabled user: had it read
// the user before waiting, it would take the user for disabled and disable it again after its PUT.
func TestChangeReadsTheUserUnderItsLock(t *testing.T) {
	for _, method := range []string{http.MethodPatch, http.MethodPut} {
		t.Run(method, func(t *testing.T) {
			h := newHarness(t)
			u := seedPerson(h, "locked@contoso.com", nil)
			id := idString(u.ID)
			h.warmIndex()
			if r := h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("replace", "active", false))); r.Status != http.StatusOK {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
			h.getUser(id) // the client reads the user before it changes it

			hold, arrived := make(chan struct{}), make(chan struct{})
			h.emu.InjectFault(freshservicetest.Fault{Method: http.MethodPut, PathPrefix: fmt.Sprintf("/api/v2/requesters/%d/reactivate", u.ID), Hold: hold, Arrived: arrived}, 1)
			enabled := make(chan response, 1)
			go func() {
				enabled <- h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("replace", "active", true)))
			}()
			<-arrived // the enable holds the user and waits for Freshservice

			changed := make(chan response, 1)
			go func() {
				if method == http.MethodPatch {
					changed <- h.do(method, "/scim/v2/Users/"+id, userPatchBody(patchOp("replace", "title", "Manager")))
					return
				}
				body := entraUserBody("locked@contoso.com")
				body["name"] = map[string]any{"givenName": "Seeded", "familyName": "Person"}
				body["title"] = "Manager"
				delete(body, "active")
				changed <- h.do(method, "/scim/v2/Users/"+id, body)
			}()
			// Give the change time to read the user, if it reads before it waits; it must wait either way.
			time.Sleep(200 * time.Millisecond)
			close(hold)

			if r := <-enabled; r.Status != http.StatusOK {
				t.Fatalf("enable: %d %s", r.Status, r.Body)
			}
			r := <-changed
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", method, r.Status, r.Body)
			}
			if got := r.JSON(t)["active"]; got != true {
				t.Errorf("%s answered active %v after the enable; want true: %s", method, got, r.Body)
			}
			fu := fsUser(h, u.ID)
			if !fu.Active || fu.JobTitle != "Manager" {
				t.Errorf("Freshservice holds active=%v title=%q, want an active Manager", fu.Active, fu.JobTitle)
			}
		})
	}
}

// TestSearchDoesNotBringBackADeletedUser: a delete whose answer from Freshservice was lost leaves the
// user in an unknown state, which the next search reads from Freshservice. When the client's retry
// of the delete finishes while that read is under way, the search must not put the state it read
// (inactive, not deleted) back over the deletion: Entra would then find a user it deleted.
func TestSearchDoesNotBringBackADeletedUser(t *testing.T) {
	h := newHarness(t)
	u := seedPerson(h, "gone@contoso.com", nil)
	id := idString(u.ID)
	h.warmIndex()
	userPath := fmt.Sprintf("/api/v2/requesters/%d", u.ID)
	h.emu.InjectFault(freshservicetest.Fault{Method: http.MethodDelete, PathPrefix: userPath, Status: http.StatusBadGateway, AfterWrite: true}, 1)
	if r := h.do(http.MethodDelete, "/scim/v2/Users/"+id, nil); r.Status < 500 {
		t.Fatalf("delete whose answer was lost: %d %s, want a 5xx the client retries", r.Status, r.Body)
	}

	hold, arrived := make(chan struct{}), make(chan struct{})
	h.emu.InjectFault(freshservicetest.Fault{Method: http.MethodGet, PathPrefix: userPath, Hold: hold, Arrived: arrived}, 1)
	lookup := "/scim/v2/Users?filter=" + hdFilter(`userName eq "gone@contoso.com"`)
	searched := make(chan response, 1)
	go func() { searched <- h.do(http.MethodGet, lookup, nil) }()
	<-arrived // the search reads the uncertain user from Freshservice
	deleted := make(chan response, 1)
	go func() { deleted <- h.do(http.MethodDelete, "/scim/v2/Users/"+id, nil) }()
	// Give the retried delete time to finish, if it does not wait for the read; it must wait either way.
	time.Sleep(200 * time.Millisecond)
	close(hold)
	if r := <-searched; r.Status != http.StatusOK {
		t.Fatalf("search during the delete: %d %s", r.Status, r.Body)
	}
	if r := <-deleted; r.Status != http.StatusNoContent {
		t.Fatalf("retried delete: %d %s", r.Status, r.Body)
	}

	r := h.do(http.MethodGet, lookup, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("lookup after the delete: %d %s", r.Status, r.Body)
	}
	if res, _ := r.JSON(t)["Resources"].([]any); len(res) != 0 {
		t.Errorf("lookup after the delete finds %v; want no user", res)
	}
	if r := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("GET of the deleted user: %d %s, want 404", r.Status, r.Body)
	}
}

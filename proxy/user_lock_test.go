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

package proxy_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// What a create does with the Freshservice user that already holds its email: the user this very
// create (or an earlier attempt of it whose answer was lost) made is taken over; one fsscim provisions
// for another identity, or for the same one already answered, is never taken over (409 uniqueness,
// RFC 7644 §3.3); any other is adopted as users.reactivate_existing says.

// loginNameUser is a create with a userName that is not an email address: Freshservice knows the user
// by its work email.
func loginNameUser(userName, workEmail string) map[string]any {
	return map[string]any{
		"schemas":    []string{usersURNCore},
		"userName":   userName,
		"externalId": "ext-" + userName,
		"active":     true,
		"name":       map[string]any{"givenName": "Jo", "familyName": "Doe"},
		"emails":     []any{map[string]any{"type": "work", "value": workEmail, "primary": true}},
	}
}

// TestLostCreateAnswerConverges: Freshservice makes the user but the answer to the POST is lost, and
// the look-up fsscim makes to find what landed fails too, so fsscim answers 503 saying the change may
// have been applied. Entra's retry (its lookup finds nothing, so it creates again) ends with the user
// that POST made, for a login-name userName as for an email one, whatever reactivate_existing says.
func TestLostCreateAnswerConverges(t *testing.T) {
	kinds := []struct {
		name, userName, email string
		body                  map[string]any
	}{
		{"email userName", "new.hire@contoso.com", "new.hire@contoso.com", entraUserBody("new.hire@contoso.com")},
		{"login-name userName", "jdoe", "jdoe@contoso.com", loginNameUser("jdoe", "jdoe@contoso.com")},
	}
	for _, k := range kinds {
		for _, reactivate := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, reactivate_existing %t", k.name, reactivate), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, withTenant(fmt.Sprintf("users: {reactivate_existing: %t}", reactivate)), withServer(hdWithOpenBudget))
				h.warmIndex()
				h.emu.InjectFault(freshservicetest.Fault{Drop: true, AfterWrite: true, Method: http.MethodPost, PathPrefix: "/api/v2/requesters"}, 1)
				h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusServiceUnavailable, Method: http.MethodGet, PathPrefix: "/api/v2/requesters"}, -1)
				first := h.do(http.MethodPost, "/scim/v2/Users", k.body)
				h.emu.ClearFaults()
				hdAssertSCIMError(t, first, http.StatusServiceUnavailable, "")
				if !strings.Contains(string(first.Body), "may have been applied") {
					t.Fatalf("the 503 does not say the create may have been applied: %s", first.Body)
				}
				made := hdUsersWithEmail(h, k.email)
				if len(made) != 1 {
					t.Fatalf("%d users hold %s after the lost answer, want the one the POST made", len(made), k.email)
				}

				if ids := hdLookup(t, h, k.userName); len(ids) != 0 {
					t.Fatalf("Entra's lookup finds %q before the retry", ids)
				}
				retry := h.do(http.MethodPost, "/scim/v2/Users", k.body)
				if retry.Status != http.StatusCreated || hdID(t, retry) != made[0].ID {
					t.Fatalf("Entra's retry: %d %s; want 201 with the id of the user the lost POST made (%d)", retry.Status, retry.Body, made[0].ID)
				}
				if got := hdUsersWithEmail(h, k.email); len(got) != 1 {
					t.Fatalf("%d users hold %s after the retry, want 1", len(got), k.email)
				}
				if got := retry.JSON(t)["userName"]; got != k.userName {
					t.Fatalf("the retry answers userName %v, want %s", got, k.userName)
				}
				if ids := hdLookup(t, h, k.userName); len(ids) != 1 || ids[0] != fmt.Sprint(made[0].ID) {
					t.Fatalf("Entra's lookup after the retry finds %q, want [%d]", ids, made[0].ID)
				}
			})
		}
	}
}

// TestFailedCreateAdoptsOnlyTheUserItMade: with reactivate_existing false, a create whose POST fails
// (502, nothing written) finds a deactivated user made by hand an hour before, unknown to fsscim's
// index: it is not this create's, so the tenant's rule holds (409) and the user stays deactivated.
// A user made by this create is taken over even when Freshservice's clock puts its creation before
// the POST, as long as it carries the externalId the POST sent.
func TestFailedCreateAdoptsOnlyTheUserItMade(t *testing.T) {
	t.Run("a deactivated user made by hand", func(t *testing.T) {
		clk := freshservicetest.NewClock(time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC))
		h := newHarness(t, withTenant("users: {reactivate_existing: false}"), withEmulator(freshservicetest.Options{Now: clk.Now}),
			withServer(func(o *proxy.Options) { o.Now = clk.Now; hdWithOpenBudget(o) }))
		h.warmIndex()
		old := h.emu.AddRequester(freshservice.User{PrimaryEmail: "returning@contoso.com", FirstName: "Ret", LastName: "Urning"})
		h.emu.Deactivate(old.ID)
		clk.Add(time.Hour)
		h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusBadGateway, Method: http.MethodPost, PathPrefix: "/api/v2/requesters"}, 1)
		h.emu.ResetCalls()
		r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("returning@contoso.com"))
		hdAssertSCIMError(t, r, http.StatusConflict, "uniqueness")
		if u, _ := h.emu.User(old.ID); u.Active {
			t.Fatal("the deactivated user was reactivated without reactivate_existing")
		}
		for _, c := range h.calls() {
			if strings.Contains(c, "reactivate") || strings.HasPrefix(c, "PUT ") {
				t.Fatalf("fsscim wrote to the user it found: %q", h.calls())
			}
		}
	})
	t.Run("the user this create made, stamped before the POST", func(t *testing.T) {
		fsClock := freshservicetest.NewClock(time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC))
		ourClock := freshservicetest.NewClock(fsClock.Now().Add(time.Hour)) // Freshservice's clock is an hour behind
		h := newHarness(t, withTenant("users: {reactivate_existing: false}"), withEmulator(freshservicetest.Options{Now: fsClock.Now}),
			withServer(func(o *proxy.Options) { o.Now = ourClock.Now; hdWithOpenBudget(o) }))
		h.warmIndex()
		h.emu.InjectFault(freshservicetest.Fault{Status: http.StatusBadGateway, AfterWrite: true, Method: http.MethodPost, PathPrefix: "/api/v2/requesters"}, 1)
		body := loginNameUser("ann", "ann@contoso.com")
		r := h.do(http.MethodPost, "/scim/v2/Users", body)
		made := hdUsersWithEmail(h, "ann@contoso.com")
		if r.Status != http.StatusCreated || len(made) != 1 || hdID(t, r) != made[0].ID {
			t.Fatalf("answered %d %s; Freshservice holds %+v", r.Status, r.Body, made)
		}
	})
}

// TestCreateNeverTakesOverAProvisionedUser: a create whose email is the primary email of a user fsscim
// provisions is 409 uniqueness naming the attribute, and the user keeps its userName; a create of the
// same identity again (Okta's "recreating user with same values") is 409 too. Users fsscim does not
// provision (made by hand, or deleted through SCIM) are still adopted.
func TestCreateNeverTakesOverAProvisionedUser(t *testing.T) {
	t.Run("two login names with one work email", func(t *testing.T) {
		h := newHarness(t)
		h.warmIndex()
		first := h.do(http.MethodPost, "/scim/v2/Users", loginNameUser("jdoe", "shared@contoso.com"))
		if first.Status != http.StatusCreated {
			t.Fatalf("first create: %d %s", first.Status, first.Body)
		}
		second := h.do(http.MethodPost, "/scim/v2/Users", loginNameUser("john.doe", "shared@contoso.com"))
		hdAssertSCIMError(t, second, http.StatusConflict, "uniqueness")
		if d, _ := second.JSON(t)["detail"].(string); !strings.Contains(d, `emails[type eq "work"].value`) || !strings.Contains(d, "jdoe") {
			t.Fatalf("the 409 does not name the conflicting attribute and its owner: %s", d)
		}
		id := fmt.Sprint(hdID(t, first))
		if got := h.getUser(id)["userName"]; got != "jdoe" {
			t.Fatalf("the first user reads userName %v after the second create, want jdoe", got)
		}
		if ids := hdLookup(t, h, "jdoe"); len(ids) != 1 || ids[0] != id {
			t.Fatalf("lookup of jdoe finds %q, want [%s]", ids, id)
		}
		if ids := hdLookup(t, h, "john.doe"); len(ids) != 0 {
			t.Fatalf("lookup of john.doe finds %q", ids)
		}
		if got := hdUsersWithEmail(h, "shared@contoso.com"); len(got) != 1 {
			t.Fatalf("%d users hold the email", len(got))
		}
	})
	t.Run("a login name with the work email another user has as userName", func(t *testing.T) {
		h := newHarness(t)
		h.warmIndex()
		hdCreateUser(t, h, "pat@contoso.com")
		r := h.do(http.MethodPost, "/scim/v2/Users", loginNameUser("pat", "pat@contoso.com"))
		hdAssertSCIMError(t, r, http.StatusConflict, "uniqueness")
		if d, _ := r.JSON(t)["detail"].(string); !strings.Contains(d, `emails[type eq "work"].value`) {
			t.Fatalf("the 409 does not name the work email: %s", d)
		}
	})
	t.Run("the same create again", func(t *testing.T) {
		h := newHarness(t)
		h.warmIndex()
		id := hdCreateUser(t, h, "okta.test@contoso.com")
		h.emu.ResetCalls()
		r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("okta.test@contoso.com"))
		hdAssertSCIMError(t, r, http.StatusConflict, "uniqueness")
		if d, _ := r.JSON(t)["detail"].(string); !strings.Contains(d, "userName") || !strings.Contains(d, fmt.Sprint(id)) {
			t.Fatalf("the 409 does not name userName and the user: %s", d)
		}
		if writes := writes(h); len(writes) != 0 {
			t.Fatalf("the repeated create wrote %q", writes)
		}
	})
	t.Run("a user made by hand is adopted", func(t *testing.T) {
		h := newHarness(t)
		old := h.emu.AddRequester(freshservice.User{PrimaryEmail: "byhand@contoso.com", FirstName: "By", LastName: "Hand"})
		h.warmIndex()
		r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("byhand@contoso.com"))
		if r.Status != http.StatusCreated || hdID(t, r) != old.ID {
			t.Fatalf("create over a user made by hand: %d %s; want 201 with id %d", r.Status, r.Body, old.ID)
		}
	})
	t.Run("a user deleted through SCIM is adopted again", func(t *testing.T) {
		h := newHarness(t)
		h.warmIndex()
		id := hdCreateUser(t, h, "leaver@contoso.com")
		if r := h.do(http.MethodDelete, fmt.Sprintf("/scim/v2/Users/%d", id), nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("leaver@contoso.com"))
		if r.Status != http.StatusCreated || hdID(t, r) != id {
			t.Fatalf("create after a SCIM delete: %d %s; want 201 with id %d", r.Status, r.Body, id)
		}
	})
}

package freshservicetest

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

func TestEmailUniquenessAcrossAllUsers(t *testing.T) {
	f := newFixture(t, Options{})
	f.createRequester(map[string]any{"first_name": "Act", "primary_email": "active@x.com", "secondary_emails": []string{"alias@x.com"}})
	gone := f.createRequester(map[string]any{"first_name": "Old", "primary_email": "gone@x.com"})
	f.do(http.MethodDelete, path("/api/v2/requesters/{id}", gone), nil).must(t, http.StatusNoContent)
	f.createAgent("Agt", "agent@x.com")
	goneAgent := f.createAgent("Old", "gone.agent@x.com")
	f.do(http.MethodDelete, path("/api/v2/agents/{id}", goneAgent), nil).must(t, http.StatusOK)

	tests := []struct {
		name      string
		path      string
		body      map[string]any
		wantField string
	}{
		{"requester vs active requester", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "active@x.com"}, "primary_email"},
		{"requester vs other case", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "ACTIVE@X.COM"}, "primary_email"},
		{"requester vs deactivated requester", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "gone@x.com"}, "primary_email"},
		{"requester vs agent", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "Agent@x.com"}, "primary_email"},
		{"requester vs deactivated agent", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "gone.agent@x.com"}, "primary_email"},
		{"requester vs secondary email", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "alias@X.com"}, "primary_email"},
		{"secondary vs primary", "/api/v2/requesters", map[string]any{"first_name": "N", "primary_email": "new@x.com", "secondary_emails": []string{"active@x.com"}}, "secondary_emails"},
		{"agent vs requester", "/api/v2/agents", agentBody("N", "ACTIVE@x.com"), "email"},
		{"agent vs deactivated requester", "/api/v2/agents", agentBody("N", "gone@x.com"), "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.e.Users())
			r := f.do(http.MethodPost, tt.path, tt.body).must(t, http.StatusConflict)
			errs := r.fieldErrors(t)
			if len(errs) != 1 || errs[0].Field != tt.wantField || errs[0].Code != codeDuplicateValue {
				t.Errorf("errors = %+v, want one duplicate_value on %s", errs, tt.wantField)
			}
			if len(f.e.Users()) != before {
				t.Error("duplicate create stored a user")
			}
		})
	}
}

func TestEmailUniquenessOnUpdate(t *testing.T) {
	f := newFixture(t, Options{})
	f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	bob := f.createRequester(map[string]any{"first_name": "Bob", "primary_email": "bob@x.com"})
	agent := f.createAgent("Bea", "bea@x.com")
	tests := []struct {
		name       string
		path       string
		body       map[string]any
		wantStatus int
	}{
		{"taken by another", path("/api/v2/requesters/{id}", bob), map[string]any{"primary_email": "Ann@x.com"}, http.StatusConflict},
		{"own address, new case", path("/api/v2/requesters/{id}", bob), map[string]any{"primary_email": "BOB@x.com"}, http.StatusOK},
		{"agent takes requester's", path("/api/v2/agents/{id}", agent), map[string]any{"email": "ann@X.com"}, http.StatusConflict},
		{"secondary taken", path("/api/v2/requesters/{id}", bob), map[string]any{"secondary_emails": []string{"bea@x.com"}}, http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.do(http.MethodPut, tt.path, tt.body).must(t, tt.wantStatus)
		})
	}
	if u, _ := f.e.User(bob); u.PrimaryEmail != "BOB@x.com" || len(u.SecondaryEmails) != 0 {
		t.Errorf("bob after updates: %+v", u)
	}
}

// checkEmailIndex fails unless the address index equals one built afresh from the stored users.
func checkEmailIndex(t *testing.T, e *Emulator, step string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	want := emailIndex{}
	for _, u := range e.st.users {
		want.add(u)
	}
	if !maps.Equal(e.st.emails, want) {
		t.Errorf("after %s: address index %v, want %v", step, e.st.emails, want)
	}
}

// TestEmailIndexFollowsUpdatesDeletesAndConversions changes a user's addresses, kind and state through
// the API and checks which addresses are taken after each step.
func TestEmailIndexFollowsUpdatesDeletesAndConversions(t *testing.T) {
	f := newFixture(t, Options{})
	taken := func(step, addr string, want bool) {
		t.Helper()
		status := http.StatusCreated
		if want {
			status = http.StatusConflict
		}
		// A throwaway secondary keeps the probe's own primary address unique.
		r := f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "Probe", "primary_email": "probe." + itoa(int64(len(f.e.Users()))) + "@x.com",
			"secondary_emails": []string{addr}})
		if r.Status != status {
			t.Fatalf("after %s: creating a user holding %q answered %d, want %d: %s", step, addr, r.Status, status, r.Body)
		}
		if r.Status == http.StatusCreated {
			// Give the address back, for good.
			f.do(http.MethodDelete, path("/api/v2/requesters/{id}/forget", id(t, r.inner(t, "requester"))), nil).must(t, http.StatusNoContent)
		}
		checkEmailIndex(t, f.e, step)
	}

	ann := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com", "secondary_emails": []string{"ann.alias@x.com"}})
	checkEmailIndex(t, f.e, "create")
	taken("create", "ANN@x.com", true)
	taken("create", "Ann.Alias@x.com", true)

	f.do(http.MethodPut, path("/api/v2/requesters/{id}", ann), map[string]any{"primary_email": "Ann.New@x.com", "secondary_emails": []string{"second@x.com"}}).must(t, http.StatusOK)
	taken("update", "ann@x.com", false)
	taken("update", "ann.alias@x.com", false)
	taken("update", "ann.new@X.COM", true)
	taken("update", "SECOND@x.com", true)
	if u, ok := f.e.UserByEmail("ANN.NEW@x.com"); !ok || u.ID != ann {
		t.Errorf("UserByEmail(new primary) = %d, %v; want %d", u.ID, ok, ann)
	}
	if u, ok := f.e.UserByEmail("ann@x.com"); ok {
		t.Errorf("UserByEmail(old primary) found user %d", u.ID)
	}
	if u, ok := f.e.UserByEmail("second@x.com"); ok {
		t.Errorf("UserByEmail(secondary) found user %d; it matches primary addresses only", u.ID)
	}

	bob := f.createRequester(map[string]any{"first_name": "Bob", "primary_email": "bob@x.com"})
	f.do(http.MethodPut, path("/api/v2/requesters/{id}", bob), map[string]any{"secondary_emails": []string{"second@x.com"}}).must(t, http.StatusConflict)
	checkEmailIndex(t, f.e, "refused update")
	taken("refused update", "bob@x.com", true)

	f.do(http.MethodPut, path("/api/v2/requesters/{id}/convert_to_agent", ann), nil).must(t, http.StatusOK)
	taken("convert to agent", "ann.new@x.com", true)
	f.do(http.MethodPost, "/api/v2/agents", agentBody("Dup", "Ann.New@x.com")).must(t, http.StatusConflict)
	f.do(http.MethodPut, path("/api/v2/agents/{id}", ann), map[string]any{"email": "ann.agent@x.com"}).must(t, http.StatusOK)
	taken("agent update", "ann.new@x.com", false)
	taken("agent update", "ann.agent@x.com", true)
	f.do(http.MethodPut, path("/api/v2/agents/{id}/convert_to_requester", ann), nil).must(t, http.StatusOK)
	taken("convert to requester", "ann.agent@x.com", true)

	f.do(http.MethodDelete, path("/api/v2/requesters/{id}", ann), nil).must(t, http.StatusNoContent)
	taken("deactivate", "ann.agent@x.com", true)
	taken("deactivate", "second@x.com", true)

	f.do(http.MethodDelete, path("/api/v2/requesters/{id}/forget", ann), nil).must(t, http.StatusNoContent)
	taken("forget", "ann.agent@x.com", false)
	taken("forget", "second@x.com", false)
	taken("forget", "bob@x.com", true)
}

func TestFoldEmailAgreesWithEqualFold(t *testing.T) {
	samples := []string{
		"ann@x.com", "ANN@X.COM", "Ann@x.Com", "ann@x.co", "ann@x.comm",
		"kim@x.com", "\u212aim@x.com", // KELVIN SIGN folds to k
		"sam@x.com", "\u017fam@x.com", // LATIN SMALL LETTER LONG S folds to s
		"stra\u00dfe@x.com", "STRA\u1e9eE@x.com", "strasse@x.com", // ß and ẞ fold together, not to "ss"
		"\u00e9l\u00e8ve@x.com", "\u00c9L\u00c8VE@x.com", "eleve@x.com",
		"\u03c3@x.com", "\u03a3@x.com", "\u03c2@x.com", // σ, Σ, ς
		"bad\xff@x.com", "bad\xfe@x.com", "bad\ufffd@x.com", // invalid bytes compare as U+FFFD
		"",
	}
	for _, a := range samples {
		for _, b := range samples {
			if got, want := foldEmail(a) == foldEmail(b), strings.EqualFold(a, b); got != want {
				t.Errorf("%q vs %q: same key %v, EqualFold %v", a, b, got, want)
			}
		}
	}
}

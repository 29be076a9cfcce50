package freshservicetest

import (
	"net/http"
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

package freshservicetest

import (
	"net/http"
	"slices"
	"testing"
)

func TestUserValidationErrors(t *testing.T) {
	f := newFixture(t, Options{CustomFields: []CustomField{
		{Name: "region", Type: CustomDropdown, Choices: []string{"EMEA", "APAC"}},
		{Name: "badge", Type: CustomNumber},
		{Name: "started", Type: CustomDate},
	}})
	// extra's keys are set on a valid body, or removed from it where the value is "<delete>".
	edit := func(b, extra map[string]any) map[string]any {
		for k, v := range extra {
			if v == "<delete>" {
				delete(b, k)
				continue
			}
			b[k] = v
		}
		return b
	}
	base := func(extra map[string]any) map[string]any {
		return edit(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"}, extra)
	}
	agent := func(extra map[string]any) map[string]any { return edit(agentBody("Bea", "bea@x.com"), extra) }
	const reqPath, agentPath = "/api/v2/requesters", "/api/v2/agents"
	tests := []struct {
		name      string
		path      string
		body      any
		wantField string
		wantCode  string
		wantMsg   string
	}{
		{"missing first_name", reqPath, base(map[string]any{"first_name": "<delete>"}), "first_name", codeMissingField, ""},
		{"blank first_name", reqPath, base(map[string]any{"first_name": "  "}), "first_name", codeMissingField, ""},
		{"no contact at all", reqPath, map[string]any{"first_name": "Ann"}, "primary_email", codeMissingField, ""},
		{"unknown key", reqPath, base(map[string]any{"nickname": "A"}), "nickname", codeInvalidField, ""},
		{"agent key on requester", reqPath, base(map[string]any{"email": "a@x.com"}), "email", codeInvalidField, ""},
		{"read-only id", reqPath, base(map[string]any{"id": 5}), "id", codeReadonlyField, ""},
		{"read-only active", reqPath, base(map[string]any{"active": true}), "active", codeReadonlyField, ""},
		{"read-only is_agent", reqPath, base(map[string]any{"is_agent": false}), "is_agent", codeReadonlyField, ""},
		{"read-only has_logged_in", reqPath, base(map[string]any{"has_logged_in": false}), "has_logged_in", codeReadonlyField, ""},
		{"read-only created_at", reqPath, base(map[string]any{"created_at": "2020-01-01T00:00:00Z"}), "created_at", codeReadonlyField, ""},
		{"read-only updated_at", reqPath, base(map[string]any{"updated_at": "2020-01-01T00:00:00Z"}), "updated_at", codeReadonlyField, ""},
		{"unknown department", reqPath, base(map[string]any{"department_ids": []int64{99}}), "department_ids", codeInvalidValue, ""},
		{"unknown location", reqPath, base(map[string]any{"location_id": 99}), "location_id", codeInvalidValue, ""},
		{"unknown manager", reqPath, base(map[string]any{"reporting_manager_id": 99}), "reporting_manager_id", codeInvalidValue, ""},
		{"IANA time zone", reqPath, base(map[string]any{"time_zone": "Europe/London"}), "time_zone", codeInvalidValue, ""},
		{"unknown language", reqPath, base(map[string]any{"language": "en-US"}), "language", codeInvalidValue, ""},
		{"bad email", reqPath, base(map[string]any{"primary_email": "not-an-email"}), "primary_email", codeInvalidValue, ""},
		{"secondary equals primary", reqPath, base(map[string]any{"secondary_emails": []string{"ANN@x.com"}}), "secondary_emails", codeInvalidValue, ""},
		{"unconfigured custom field", reqPath, base(map[string]any{"custom_fields": map[string]any{"shoe_size": "9"}}), "shoe_size", codeInvalidField, ""},
		{"dropdown not a choice", reqPath, base(map[string]any{"custom_fields": map[string]any{"region": "LATAM"}}), "region", codeInvalidValue, "It should be one of the choice value."},
		{"number custom field as text", reqPath, base(map[string]any{"custom_fields": map[string]any{"badge": "12"}}), "badge", codeDatatypeMismatch, ""},
		{"bad custom date", reqPath, base(map[string]any{"custom_fields": map[string]any{"started": "03/02/2026"}}), "started", codeInvalidValue, ""},
		{"first_name as number", reqPath, base(map[string]any{"first_name": 7}), "first_name", codeDatatypeMismatch, ""},
		{"department_ids as string", reqPath, base(map[string]any{"department_ids": "1"}), "department_ids", codeDatatypeMismatch, ""},
		{"location_id as string", reqPath, base(map[string]any{"location_id": "1"}), "location_id", codeDatatypeMismatch, ""},
		{"custom_fields as list", reqPath, base(map[string]any{"custom_fields": []string{"a"}}), "custom_fields", codeDatatypeMismatch, ""},
		{"flag as string", reqPath, base(map[string]any{"can_see_all_tickets_from_associated_departments": "yes"}), "can_see_all_tickets_from_associated_departments", codeDatatypeMismatch, ""},
		{"secondary_emails as string", reqPath, base(map[string]any{"secondary_emails": "b@x.com"}), "secondary_emails", codeDatatypeMismatch, ""},
		{"broken JSON", reqPath, `{"first_name": "Ann",`, "", codeInvalidJSON, ""},
		{"JSON array", reqPath, `[{"first_name": "Ann"}]`, "", codeInvalidJSON, ""},
		{"agent without roles", agentPath, agent(map[string]any{"roles": "<delete>"}), "roles", codeMissingField, ""},
		{"agent with empty roles", agentPath, agent(map[string]any{"roles": []any{}}), "roles", codeMissingField, ""},
		{"agent without email", agentPath, agent(map[string]any{"email": "<delete>"}), "email", codeMissingField, ""},
		{"agent with primary_email", agentPath, agent(map[string]any{"primary_email": "b@x.com"}), "primary_email", codeInvalidField, ""},
		{"deprecated role_ids", agentPath, agent(map[string]any{"role_ids": []int{1}}), "role_ids", codeInvalidField, ""},
		{"deprecated group_ids", agentPath, agent(map[string]any{"group_ids": []int{1}}), "group_ids", codeInvalidField, ""},
		{"deprecated scopes", agentPath, agent(map[string]any{"scopes": map[string]any{}}), "scopes", codeInvalidField, ""},
		{"deprecated ticket_scope", agentPath, agent(map[string]any{"ticket_scope": 1}), "ticket_scope", codeInvalidField, ""},
		{"role with bad scope", agentPath, agent(map[string]any{"roles": []any{map[string]any{"role_id": 1, "assignment_scope": "everything"}}}), "roles", codeInvalidValue, ""},
		{"unknown agent group", agentPath, agent(map[string]any{"member_of": []int64{99}}), "member_of", codeInvalidValue, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.e.Users())
			r := f.do(http.MethodPost, tt.path, tt.body).must(t, http.StatusBadRequest)
			errs := r.fieldErrors(t)
			if !slices.ContainsFunc(errs, func(fe fieldError) bool {
				return fe.Field == tt.wantField && fe.Code == tt.wantCode && (tt.wantMsg == "" || fe.Message == tt.wantMsg)
			}) {
				t.Errorf("errors %+v lack field %q code %q", errs, tt.wantField, tt.wantCode)
			}
			if after := len(f.e.Users()); after != before {
				t.Errorf("rejected create stored a user (%d -> %d)", before, after)
			}
		})
	}
}

func TestValidationReportsEveryProblemAtOnce(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"id": 1, "nickname": "x", "language": "xx"}).must(t, http.StatusBadRequest)
	var got []string
	for _, fe := range r.fieldErrors(t) {
		got = append(got, fe.Field+":"+fe.Code)
	}
	want := []string{"id:readonly_field", "language:invalid_value", "nickname:invalid_field", "first_name:missing_field", "primary_email:missing_field"}
	if !slices.Equal(got, want) {
		t.Errorf("errors = %v, want %v", got, want)
	}
}

func TestRejectedUpdateLeavesUserUnchanged(t *testing.T) {
	f := newFixture(t, Options{})
	uid := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com", "job_title": "Clerk"})
	f.do(http.MethodPut, path("/api/v2/requesters/{id}", uid), map[string]any{"job_title": "Boss", "time_zone": "Mars"}).must(t, http.StatusBadRequest)
	if u, _ := f.e.User(uid); u.JobTitle != "Clerk" || u.TimeZone != "" {
		t.Errorf("user changed by a rejected PUT: %+v", u)
	}
}

func TestAcceptedValuesFromExportedLists(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct {
		name  string
		key   string
		value string
	}{
		{"first time zone", "time_zone", TimeZones[0]},
		{"last time zone", "time_zone", TimeZones[len(TimeZones)-1]},
		{"ampersand zone", "time_zone", "Eastern Time (US & Canada)"},
		{"plain language", "language", "de"},
		{"regional language", "language", "ja-JP"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"first_name": "Ann", "primary_email": "ann" + itoa(int64(i)) + "@x.com", tt.key: tt.value}
			got := f.do(http.MethodPost, "/api/v2/requesters", body).must(t, http.StatusCreated).inner(t, "requester")
			if got[tt.key] != tt.value {
				t.Errorf("%s = %v, want %q", tt.key, got[tt.key], tt.value)
			}
		})
	}
}

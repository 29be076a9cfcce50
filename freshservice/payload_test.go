package freshservice_test

import (
	"context"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

// everyUserField sets every writable field, so that a write shows each key it sends.
func everyUserField() freshservice.UserFields {
	var f freshservice.UserFields
	f.FirstName, f.LastName, f.JobTitle = ptr("Ada"), ptr("Lovelace"), ptr("Analyst")
	f.Email = ptr("ada@example.com")
	f.SecondaryEmails = &[]string{"ada.l@example.com"}
	f.WorkPhoneNumber, f.MobilePhoneNumber = ptr("+44 1"), ptr("+44 2")
	f.DepartmentIDs = &[]int64{7}
	manager, location := freshservice.ID(0), freshservice.ID(9)
	f.ReportingManagerID, f.LocationID = &manager, &location
	f.Address, f.TimeZone, f.Language = ptr("1 Main St"), ptr("London"), ptr("en")
	f.ExternalID = ptr("entra-1")
	f.CustomFields = map[string]any{"cost_center": "42"}
	f.Occasional = ptr(true)
	f.Roles = []freshservice.Role{{RoleID: 3, AssignmentScope: "entire_helpdesk"}}
	f.MemberOf = &[]int64{5}
	return f
}

// TestUserWriteBodies pins the exact JSON each user write sends: the email under the key of the
// endpoint, the fields the other kind of user does not have left out, keys in a stable order.
func TestUserWriteBodies(t *testing.T) {
	const (
		requester = `{"first_name":"Ada","last_name":"Lovelace","job_title":"Analyst","primary_email":"ada@example.com",` +
			`"secondary_emails":["ada.l@example.com"],"work_phone_number":"+44 1","mobile_phone_number":"+44 2",` +
			`"department_ids":[7],"reporting_manager_id":null,"address":"1 Main St","time_zone":"London","language":"en",` +
			`"location_id":9,"external_id":"entra-1","custom_fields":{"cost_center":"42"}}`
		agent = `{"first_name":"Ada","last_name":"Lovelace","job_title":"Analyst","email":"ada@example.com",` +
			`"work_phone_number":"+44 1","mobile_phone_number":"+44 2",` +
			`"department_ids":[7],"reporting_manager_id":null,"address":"1 Main St","time_zone":"London","language":"en",` +
			`"location_id":9,"external_id":"entra-1","custom_fields":{"cost_center":"42"},` +
			`"occasional":true,"roles":[{"role_id":3,"assignment_scope":"entire_helpdesk"}],"member_of":[5]}`
	)
	var title freshservice.UserFields
	title.JobTitle = ptr("Keeper")
	tests := []struct {
		name  string
		write userWrite
		f     freshservice.UserFields
		want  string
	}{
		{"create requester", (*freshservice.Client).CreateRequester, everyUserField(), requester},
		{"update requester", onUser1((*freshservice.Client).UpdateRequester), everyUserField(), requester},
		{"create agent", (*freshservice.Client).CreateAgent, everyUserField(), agent},
		{"update agent", onUser1((*freshservice.Client).UpdateAgent), everyUserField(), agent},
		{"partial update", onUser1((*freshservice.Client).UpdateAgent), title, `{"job_title":"Keeper"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := []reply{{status: 200, body: `{"requester":{"id":1},"agent":{"id":1}}`}}
			f := newFake(t, map[string][]reply{
				"POST /requesters": ok, "PUT /requesters/1": ok, "POST /agents": ok, "PUT /agents/1": ok,
			})
			c := newTestClient(t, f.srv.URL, nil)
			if _, err := tt.write(c, context.Background(), tt.f); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 || reqs[0].body != tt.want {
				t.Fatalf("sent %d requests; body\n%s\nwant\n%s", len(reqs), reqs[len(reqs)-1].body, tt.want)
			}
		})
	}
}

// userWrite is a client method that creates a user, or updates a user picked beforehand.
type userWrite func(*freshservice.Client, context.Context, freshservice.UserFields) (freshservice.User, error)

// onUser1 turns a client update method into a userWrite on the user with id 1.
func onUser1(update func(*freshservice.Client, context.Context, int64, freshservice.UserFields) (freshservice.User, error)) userWrite {
	return func(c *freshservice.Client, ctx context.Context, f freshservice.UserFields) (freshservice.User, error) {
		return update(c, ctx, 1, f)
	}
}

// TestUserFieldsEmpty checks that one field of any group makes a write, and that nothing else does.
func TestUserFieldsEmpty(t *testing.T) {
	var none freshservice.UserFields
	noCustom := freshservice.UserFields{ProfileFields: freshservice.ProfileFields{CustomFields: map[string]any{}}}
	clearManager := freshservice.ID(0)
	tests := []struct {
		name string
		f    freshservice.UserFields
		want bool
	}{
		{"nothing", none, true},
		{"an empty custom field map", noCustom, true},
		{"email", freshservice.UserFields{Email: ptr("")}, false},
		{"name", freshservice.UserFields{NameFields: freshservice.NameFields{LastName: ptr("")}}, false},
		{"requester only", freshservice.UserFields{RequesterFields: freshservice.RequesterFields{SecondaryEmails: &[]string{}}}, false},
		{"profile: clear the manager", freshservice.UserFields{ProfileFields: freshservice.ProfileFields{ReportingManagerID: &clearManager}}, false},
		{"agent only", freshservice.UserFields{AgentFields: freshservice.AgentFields{MemberOf: &[]int64{}}}, false},
		{"every field", everyUserField(), false},
	}
	for _, tt := range tests {
		if got := tt.f.Empty(); got != tt.want {
			t.Errorf("%s: Empty() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

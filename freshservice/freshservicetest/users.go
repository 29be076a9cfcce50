package freshservicetest

import (
	"maps"
	"slices"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// userRecord is one row of the single user table behind both the requester and agent endpoints.
type userRecord struct {
	id                         int64
	firstName, lastName        string
	jobTitle                   string
	email                      string // primary_email on requester endpoints, email on agent ones
	secondaryEmails            []string
	workPhone, mobilePhone     string
	departmentIDs              []int64
	canSeeAllTickets           bool
	managerID                  int64
	address                    string
	timeZone, timeFormat, lang string
	locationID                 int64
	background                 string
	customFields               map[string]any
	externalID                 string
	active, isAgent            bool
	occasional, hasLoggedIn    bool
	vip                        bool
	roles                      []freshservice.Role
	scoreboardLevel            int64
	signature                  string
	createdAt, updatedAt       time.Time
}

// defaultLanguage and defaultTimeFormat are what Freshservice fills in on create.
const (
	defaultLanguage   = "en"
	defaultTimeFormat = "12h"
)

func (u *userRecord) clone() *userRecord {
	c := *u
	c.secondaryEmails = slices.Clone(u.secondaryEmails)
	c.departmentIDs = slices.Clone(u.departmentIDs)
	c.customFields = maps.Clone(u.customFields)
	c.roles = slices.Clone(u.roles)
	return &c
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func timestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// commonUserJSON holds the keys requester and agent representations share, blanks as null.
func (e *Emulator) commonUserJSON(u *userRecord) map[string]any {
	deptNames := []string{}
	for _, id := range u.departmentIDs {
		if d, ok := e.st.departments[id]; ok {
			deptNames = append(deptNames, d.Name)
		}
	}
	var locationName any
	if l, ok := e.st.locations[u.locationID]; ok {
		locationName = l.Name
	}
	custom := map[string]any{}
	for _, cf := range e.opts.CustomFields {
		custom[cf.Name] = nil
	}
	maps.Copy(custom, u.customFields)
	return map[string]any{
		"id":                     u.id,
		"first_name":             nullString(u.firstName),
		"last_name":              nullString(u.lastName),
		"job_title":              nullString(u.jobTitle),
		"work_phone_number":      nullString(u.workPhone),
		"mobile_phone_number":    nullString(u.mobilePhone),
		"department_ids":         nonNilIDs(slices.Clone(u.departmentIDs)),
		"department_names":       deptNames,
		"reporting_manager_id":   nullID(u.managerID),
		"address":                nullString(u.address),
		"time_zone":              nullString(u.timeZone),
		"time_format":            nullString(u.timeFormat),
		"language":               nullString(u.lang),
		"location_id":            nullID(u.locationID),
		"location_name":          locationName,
		"background_information": nullString(u.background),
		"custom_fields":          custom,
		"external_id":            nullString(u.externalID),
		"active":                 u.active,
		"has_logged_in":          u.hasLoggedIn,
		"vip_user":               u.vip,
		"can_see_all_tickets_from_associated_departments": u.canSeeAllTickets,
		"created_at": timestamp(u.createdAt),
		"updated_at": timestamp(u.updatedAt),
	}
}

// requesterJSON is the representation served by /requesters endpoints (agents included when listed
// with include_agents=true).
func (e *Emulator) requesterJSON(u *userRecord) map[string]any {
	m := e.commonUserJSON(u)
	m["primary_email"] = nullString(u.email)
	m["secondary_emails"] = nonNilStrings(slices.Clone(u.secondaryEmails))
	m["is_agent"] = u.isAgent
	m["can_see_all_changes_from_associated_departments"] = false
	return m
}

// agentJSON is the representation served by /agents endpoints; agents say email and carry no is_agent.
func (e *Emulator) agentJSON(u *userRecord) map[string]any {
	m := e.commonUserJSON(u)
	m["email"] = nullString(u.email)
	m["occasional"] = u.occasional
	m["roles"] = rolesJSON(u.roles)
	m["member_of"] = e.st.agentGroupsOf(u.id, false)
	m["observer_of"] = e.st.agentGroupsOf(u.id, true)
	m["member_of_pending_approval"] = []int64{}
	m["observer_of_pending_approval"] = []int64{}
	m["scoreboard_level_id"] = nullID(u.scoreboardLevel)
	m["signature"] = nullString(u.signature)
	m["last_login_at"] = nil
	m["last_active_at"] = nil
	return m
}

func rolesJSON(roles []freshservice.Role) []map[string]any {
	out := []map[string]any{}
	for _, r := range roles {
		out = append(out, map[string]any{
			"role_id":          r.RoleID,
			"assignment_scope": r.AssignmentScope,
			"groups":           nonNilIDs(slices.Clone(r.Groups)),
		})
	}
	return out
}

// model converts a record to the shared model. Both PrimaryEmail and Email carry the primary address
// so tests can read either, and IsAgent is always filled.
func (e *Emulator) model(u *userRecord) freshservice.User {
	m := freshservice.User{
		ID:                    u.id,
		FirstName:             u.firstName,
		LastName:              u.lastName,
		JobTitle:              u.jobTitle,
		PrimaryEmail:          u.email,
		Email:                 u.email,
		SecondaryEmails:       slices.Clone(u.secondaryEmails),
		WorkPhoneNumber:       freshservice.FlexString(u.workPhone),
		MobilePhoneNumber:     freshservice.FlexString(u.mobilePhone),
		DepartmentIDs:         slices.Clone(u.departmentIDs),
		ReportingManagerID:    freshservice.ID(u.managerID),
		Address:               u.address,
		TimeZone:              u.timeZone,
		TimeFormat:            u.timeFormat,
		Language:              u.lang,
		LocationID:            freshservice.ID(u.locationID),
		BackgroundInformation: u.background,
		CustomFields:          maps.Clone(u.customFields),
		ExternalID:            freshservice.FlexString(u.externalID),
		Active:                u.active,
		IsAgent:               u.isAgent,
		Occasional:            u.occasional,
		HasLoggedIn:           u.hasLoggedIn,
		VIPUser:               u.vip,
		CreatedAt:             u.createdAt,
		UpdatedAt:             u.updatedAt,
	}
	if u.isAgent {
		m.Roles = slices.Clone(u.roles)
		m.MemberOf = e.st.agentGroupsOf(u.id, false)
	}
	return m
}

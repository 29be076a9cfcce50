package freshservicetest

import (
	"fmt"
	"maps"
	"slices"

	"github.com/fsscim/fsscim/freshservice"
)

// The seeding functions set the account up for a test without going through the API (nothing is logged or
// rate-limited). They panic on input a test could never mean, such as a missing or duplicate email,
// the way httptest panics on misuse.

// AddDepartment creates a department.
func (e *Emulator) AddDepartment(name string) freshservice.Department {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := &departmentRecord{Department: freshservice.Department{Name: name}}
	departments().insert(e, d)
	return e.departmentModel(d)
}

// AddLocation creates a location.
func (e *Emulator) AddLocation(name string) freshservice.Location {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := &locationRecord{Location: freshservice.Location{Name: name}}
	locations().insert(e, l)
	return locationModel(l)
}

// AddRequester creates an active requester from u (u.PrimaryEmail, or u.Email, is required; ID,
// Active, IsAgent and timestamps are ignored).
func (e *Emulator) AddRequester(u freshservice.User) freshservice.User {
	return e.addUser(u, false)
}

// AddAgent creates an active agent from u (u.Email, or u.PrimaryEmail, is required). Without roles it
// gets the SD Agent role; u.MemberOf makes it a member of those agent groups.
func (e *Emulator) AddAgent(u freshservice.User) freshservice.User {
	return e.addUser(u, true)
}

func (e *Emulator) addUser(m freshservice.User, agent bool) freshservice.User {
	e.mu.Lock()
	defer e.mu.Unlock()
	email := m.PrimaryEmail
	if email == "" {
		email = m.Email
	}
	if email == "" {
		panic("freshservicetest: seeding a user needs an email")
	}
	now := e.now()
	u := &userRecord{
		firstName:       m.FirstName,
		lastName:        m.LastName,
		jobTitle:        m.JobTitle,
		email:           email,
		secondaryEmails: slices.Clone(m.SecondaryEmails),
		workPhone:       string(m.WorkPhoneNumber),
		mobilePhone:     string(m.MobilePhoneNumber),
		departmentIDs:   slices.Clone(m.DepartmentIDs),
		managerID:       int64(m.ReportingManagerID),
		address:         m.Address,
		timeZone:        m.TimeZone,
		timeFormat:      cmpOr(m.TimeFormat, defaultTimeFormat),
		lang:            cmpOr(m.Language, defaultLanguage),
		locationID:      int64(m.LocationID),
		background:      m.BackgroundInformation,
		customFields:    maps.Clone(m.CustomFields),
		externalID:      string(m.ExternalID),
		active:          true,
		isAgent:         agent,
		hasLoggedIn:     m.HasLoggedIn,
		vip:             m.VIPUser,
		createdAt:       now,
		updatedAt:       now,
	}
	for _, addr := range append([]string{email}, u.secondaryEmails...) {
		if _, taken := e.st.emailOwner(addr); taken {
			panic(fmt.Sprintf("freshservicetest: seeding a user with an email already taken: %q", addr))
		}
	}
	if agent {
		u.occasional = m.Occasional
		u.roles = slices.Clone(m.Roles)
		if len(u.roles) == 0 {
			u.roles = defaultAgentRoles()
		}
	}
	u.id = e.st.newID()
	e.st.putUser(u)
	if agent && len(m.MemberOf) > 0 {
		e.st.setAgentGroupsOf(u.id, m.MemberOf, false, now)
	}
	return e.model(u)
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Deactivate deactivates a requester or agent as DELETE would (dropping its requester groups).
func (e *Emulator) Deactivate(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u, ok := e.st.users[id]; ok {
		e.deactivate(u)
	}
}

// AddRequesterGroup creates a manual or rule-based requester group.
func (e *Emulator) AddRequesterGroup(name string, ruleBased bool) freshservice.RequesterGroup {
	e.mu.Lock()
	defer e.mu.Unlock()
	typ := freshservice.GroupTypeManual
	if ruleBased {
		typ = freshservice.GroupTypeRuleBased
	}
	g := &requesterGroupRecord{RequesterGroup: freshservice.RequesterGroup{Name: name, Type: typ}, members: map[int64]bool{}}
	requesterGroups().insert(e, g)
	return g.RequesterGroup
}

// AddRequesterGroupMember puts a user into a requester group directly, rule-based groups included
// (standing in for the group's rule), bypassing the API's checks on the user.
func (e *Emulator) AddRequesterGroupMember(groupID, userID int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.st.requesterGroups[groupID]
	if !ok {
		return fmt.Errorf("add member %d: no requester group %d", userID, groupID)
	}
	if _, ok := e.st.users[userID]; !ok {
		return fmt.Errorf("add member %d to group %d: no such user", userID, groupID)
	}
	g.members[userID] = true
	return nil
}

// AddAgentGroup creates an agent group with no members.
func (e *Emulator) AddAgentGroup(name string) freshservice.AgentGroup {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := &agentGroupRecord{name: name}
	agentGroups().insert(e, g)
	return g.model()
}

func (e *Emulator) departmentModel(d *departmentRecord) freshservice.Department {
	m := d.Department
	m.Domains = slices.Clone(d.Domains)
	m.CustomField = maps.Clone(d.CustomField)
	return m
}

func locationModel(l *locationRecord) freshservice.Location {
	m := l.Location
	if l.Address != nil {
		a := *l.Address
		m.Address = &a
	}
	return m
}

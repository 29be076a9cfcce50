package freshservicetest

import (
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

// User returns the user with id, requester or agent, active or not.
func (e *Emulator) User(id int64) (freshservice.User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.st.users[id]
	if !ok {
		return freshservice.User{}, false
	}
	return e.model(u), true
}

// UserByEmail finds a user by primary email, case-insensitively.
func (e *Emulator) UserByEmail(email string) (freshservice.User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.st.userByPrimaryEmail(strings.TrimSpace(email))
	if !ok {
		return freshservice.User{}, false
	}
	return e.model(u), true
}

// Users returns every user (key owners included), by id.
func (e *Emulator) Users() []freshservice.User {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]freshservice.User, 0, len(e.st.users))
	for _, id := range sortedIDs(e.st.users) {
		out = append(out, e.model(e.st.users[id]))
	}
	return out
}

// Departments returns every department, by id.
func (e *Emulator) Departments() []freshservice.Department {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]freshservice.Department, 0, len(e.st.departments))
	for _, id := range sortedIDs(e.st.departments) {
		out = append(out, e.departmentModel(e.st.departments[id]))
	}
	return out
}

// Locations returns every location, by id.
func (e *Emulator) Locations() []freshservice.Location {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]freshservice.Location, 0, len(e.st.locations))
	for _, id := range sortedIDs(e.st.locations) {
		out = append(out, locationModel(e.st.locations[id]))
	}
	return out
}

// RequesterGroup returns the requester group with id.
func (e *Emulator) RequesterGroup(id int64) (freshservice.RequesterGroup, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.st.requesterGroups[id]
	if !ok {
		return freshservice.RequesterGroup{}, false
	}
	return g.RequesterGroup, true
}

// RequesterGroupMembers returns the ids of a requester group's members, sorted (nil for no group).
func (e *Emulator) RequesterGroupMembers(id int64) []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.st.requesterGroups[id]
	if !ok {
		return nil
	}
	return g.memberIDs()
}

// AgentGroup returns the agent group with id.
func (e *Emulator) AgentGroup(id int64) (freshservice.AgentGroup, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.st.agentGroups[id]
	if !ok {
		return freshservice.AgentGroup{}, false
	}
	return g.model(), true
}

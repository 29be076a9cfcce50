package freshservicetest

import (
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

// User returns the user with id, requester or agent, active or not.
func (e *Emulator) User(id int64) (freshservice.User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return lookup(e.st.users, id, e.model)
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
	return inOrder(e.st.users, e.model)
}

// Departments returns every department, by id.
func (e *Emulator) Departments() []freshservice.Department {
	e.mu.Lock()
	defer e.mu.Unlock()
	return inOrder(e.st.departments, e.departmentModel)
}

// Locations returns every location, by id.
func (e *Emulator) Locations() []freshservice.Location {
	e.mu.Lock()
	defer e.mu.Unlock()
	return inOrder(e.st.locations, locationModel)
}

// RequesterGroup returns the requester group with id.
func (e *Emulator) RequesterGroup(id int64) (freshservice.RequesterGroup, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return lookup(e.st.requesterGroups, id, func(g *requesterGroupRecord) freshservice.RequesterGroup { return g.RequesterGroup })
}

// RequesterGroupMembers returns the ids of a requester group's members, sorted (nil for no group).
func (e *Emulator) RequesterGroupMembers(id int64) []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.st.requesterGroups[id]
	if !ok {
		return nil
	}
	return sortedIDs(g.members)
}

// AgentGroup returns the agent group with id.
func (e *Emulator) AgentGroup(id int64) (freshservice.AgentGroup, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return lookup(e.st.agentGroups, id, (*agentGroupRecord).model)
}

// lookup is the model of the record with id in m; the caller holds the lock.
func lookup[R, M any](m map[int64]R, id int64, model func(R) M) (M, bool) {
	r, ok := m[id]
	if !ok {
		var zero M
		return zero, false
	}
	return model(r), true
}

// inOrder is the models of every record of m, by id; the caller holds the lock.
func inOrder[R, M any](m map[int64]R, model func(R) M) []M {
	out := make([]M, 0, len(m))
	for _, id := range sortedIDs(m) {
		out = append(out, model(m[id]))
	}
	return out
}

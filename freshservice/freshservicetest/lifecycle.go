package freshservicetest

import "github.com/fsscim/fsscim/freshservice"

// deactivate turns the user off and drops it from every requester group, as Freshservice's DELETE
// does. The record keeps its email, so the address stays taken.
func (e *Emulator) deactivate(u *userRecord) {
	u.active = false
	u.updatedAt = e.now()
	e.st.removeFromRequesterGroups(u.id)
}

// reactivate turns the user back on. Coming back from inactive, the department, manager and location
// references are empty unless the emulator keeps them; group memberships never come back.
func (e *Emulator) reactivate(u *userRecord) {
	if u.active {
		return
	}
	u.active = true
	if !e.opts.KeepOnReactivate {
		u.departmentIDs = nil
		u.managerID = 0
		u.locationID = 0
	}
	u.updatedAt = e.now()
}

func defaultAgentRoles() []freshservice.Role {
	return []freshservice.Role{{RoleID: SDAgentRoleID, AssignmentScope: "assigned_items"}}
}

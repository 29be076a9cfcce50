package freshservicetest

import (
	"net/http"
	"strings"
)

func (e *Emulator) listRequesters(q *request) response {
	// A filter query takes no exact filters; either form may take in agents, for admins only.
	filtered := q.r.URL.Query().Has("query")
	params := []string{"email", "mobile_phone_number", "work_phone_number", "include_agents"}
	if filtered {
		params = []string{"query", "include_agents"}
	}
	vals, p, bad := listQuery(q, params...)
	if bad != nil {
		return *bad
	}
	withAgents, _, bad := boolParam(vals, "include_agents")
	if bad != nil {
		return *bad
	}
	if withAgents && !q.key.admin {
		return forbidden()
	}
	if filtered {
		return e.queryUsers(q, "requesters", false, func(u *userRecord) bool { return withAgents || !u.isAgent }, e.requesterJSON)
	}
	var out []*userRecord
	for _, id := range sortedIDs(e.st.users) {
		u := e.st.users[id]
		if (u.isAgent && !withAgents) || !matchesUserFilters(u, vals) {
			continue
		}
		out = append(out, u)
	}
	return pageOf(q, p, "requesters", out, e.requesterJSON)
}

// matchesUserFilters applies the exact filters: email case-insensitively on the primary address,
// phones as given.
func matchesUserFilters(u *userRecord, vals map[string][]string) bool {
	for _, k := range []string{"email", "mobile_phone_number", "work_phone_number"} {
		v, ok := vals[k]
		if !ok {
			continue
		}
		switch k {
		case "email":
			if !strings.EqualFold(u.email, v[0]) {
				return false
			}
		case "mobile_phone_number":
			if u.mobilePhone != v[0] {
				return false
			}
		case "work_phone_number":
			if u.workPhone != v[0] {
				return false
			}
		}
	}
	return true
}

// convertToAgent makes the requester an occasional agent with the SD Agent role and no groups,
// keeping its id. Agents are not requester-group members here, so it leaves its requester groups.
func (e *Emulator) convertToAgent(q *request) response {
	u, ok := requesterEndpoint.lookup(e, q.id(0))
	if !ok {
		return notFound()
	}
	u.isAgent = true
	u.occasional = true
	u.roles = defaultAgentRoles()
	u.updatedAt = e.now()
	e.st.removeFromRequesterGroups(u.id)
	return agentEndpoint.wrap(e, http.StatusOK, u)
}

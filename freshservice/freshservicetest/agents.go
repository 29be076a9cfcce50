package freshservicetest

import (
	"net/http"
)

// getMe answers the agent owning the key, for any key.
func (e *Emulator) getMe(q *request) response {
	u, ok := e.st.users[q.key.ownerID]
	if !ok {
		return notFound()
	}
	return agentEndpoint.wrap(e, http.StatusOK, u)
}

func (e *Emulator) listAgents(q *request) response {
	if q.r.URL.Query().Has("query") {
		if _, _, bad := listQuery(q, "query"); bad != nil {
			return *bad
		}
		return e.queryUsers(q, "agents", true, func(u *userRecord) bool { return u.isAgent }, e.agentJSON)
	}
	vals, p, bad := listQuery(q, "email", "mobile_phone_number", "work_phone_number", "active", "state")
	if bad != nil {
		return *bad
	}
	active, filterActive, bad := boolParam(vals, "active")
	if bad != nil {
		return *bad
	}
	state := vals.Get("state")
	if vals.Has("state") && state != "fulltime" && state != "occasional" {
		return badRequest(*invalidValue("state", "It should be one of these values: 'fulltime,occasional'"))
	}
	var out []*userRecord
	for _, id := range sortedIDs(e.st.users) {
		u := e.st.users[id]
		switch {
		case !u.isAgent, !matchesUserFilters(u, vals), filterActive && u.active != active,
			state == "fulltime" && u.occasional, state == "occasional" && !u.occasional:
			continue
		}
		out = append(out, u)
	}
	return pageOf(q, p, "agents", out, e.agentJSON)
}

// convertToRequester keeps the id and drops the agent's roles and agent-group memberships.
func (e *Emulator) convertToRequester(q *request) response {
	u, ok := agentEndpoint.lookup(e, q.id(0))
	if !ok {
		return notFound()
	}
	now := e.now()
	u.isAgent = false
	u.occasional = false
	u.roles = nil
	u.scoreboardLevel = 0
	u.signature = ""
	u.updatedAt = now
	e.st.removeFromAgentGroups(u.id, now)
	return requesterEndpoint.wrap(e, http.StatusOK, u)
}

package freshservicetest

import (
	"net/http"
	"strings"
)

// requester returns the stored non-agent user with id; requester endpoints do not see agents.
func (e *Emulator) requester(id int64) (*userRecord, bool) {
	u, ok := e.st.users[id]
	if !ok || u.isAgent {
		return nil, false
	}
	return u, true
}

func (e *Emulator) wrapRequester(status int, u *userRecord) response {
	return jsonResponse(status, map[string]any{"requester": e.requesterJSON(u)})
}

func (e *Emulator) createRequester(q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	u := &userRecord{timeFormat: defaultTimeFormat, lang: defaultLanguage, active: true}
	if _, errs := e.applyUserBody(requesterEndpoint, u, b, true); len(errs) > 0 {
		return badRequest(errs...)
	}
	if field, dup := e.st.emailConflict(requesterEndpoint, u); dup {
		return duplicate(field)
	}
	now := e.now()
	u.id, u.createdAt, u.updatedAt = e.st.newID(), now, now
	e.st.putUser(u)
	return created(q, "requesters", u.id, map[string]any{"requester": e.requesterJSON(u)})
}

func (e *Emulator) getRequester(q *request) response {
	u, ok := e.requester(q.id(0))
	if !ok {
		return notFound()
	}
	return e.wrapRequester(http.StatusOK, u)
}

func (e *Emulator) listRequesters(q *request) response {
	if q.r.URL.Query().Has("query") {
		vals, _, bad := listQuery(q, "query", "include_agents")
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
		return e.queryUsers(q, "requesters", false, func(u *userRecord) bool { return withAgents || !u.isAgent }, e.requesterJSON)
	}
	vals, p, bad := listQuery(q, "email", "mobile_phone_number", "work_phone_number", "include_agents")
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

func (e *Emulator) updateRequester(q *request) response {
	cur, ok := e.requester(q.id(0))
	if !ok {
		return notFound()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	u := cur.clone()
	if _, errs := e.applyUserBody(requesterEndpoint, u, b, false); len(errs) > 0 {
		return badRequest(errs...)
	}
	if field, dup := e.st.emailConflict(requesterEndpoint, u); dup {
		return duplicate(field)
	}
	u.updatedAt = e.now()
	e.st.putUser(u)
	return e.wrapRequester(http.StatusOK, u)
}

func (e *Emulator) deactivateRequester(q *request) response {
	u, ok := e.requester(q.id(0))
	if !ok {
		return notFound()
	}
	e.deactivate(u)
	return emptyResponse(http.StatusNoContent)
}

func (e *Emulator) reactivateRequester(q *request) response {
	u, ok := e.requester(q.id(0))
	if !ok {
		return notFound()
	}
	e.reactivate(u)
	return e.wrapRequester(http.StatusOK, u)
}

func (e *Emulator) forgetRequester(q *request) response {
	if _, ok := e.requester(q.id(0)); !ok {
		return notFound()
	}
	e.st.forgetUser(q.id(0), e.now())
	return emptyResponse(http.StatusNoContent)
}

// convertToAgent makes the requester an occasional agent with the SD Agent role and no groups,
// keeping its id. Agents are not requester-group members here, so it leaves its requester groups.
func (e *Emulator) convertToAgent(q *request) response {
	u, ok := e.requester(q.id(0))
	if !ok {
		return notFound()
	}
	u.isAgent = true
	u.occasional = true
	u.roles = defaultAgentRoles()
	u.updatedAt = e.now()
	e.st.removeFromRequesterGroups(u.id)
	return jsonResponse(http.StatusOK, map[string]any{"agent": e.agentJSON(u)})
}

package freshservicetest

import (
	"net/http"
)

// agent returns the stored agent with id; agent endpoints do not see requesters.
func (e *Emulator) agent(id int64) (*userRecord, bool) {
	u, ok := e.st.users[id]
	if !ok || !u.isAgent {
		return nil, false
	}
	return u, true
}

func (e *Emulator) wrapAgent(status int, u *userRecord) response {
	return jsonResponse(status, map[string]any{"agent": e.agentJSON(u)})
}

// getMe answers the agent owning the key, for any key.
func (e *Emulator) getMe(q *request) response {
	u, ok := e.st.users[q.key.ownerID]
	if !ok {
		return notFound()
	}
	return e.wrapAgent(http.StatusOK, u)
}

func (e *Emulator) createAgent(q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	u := &userRecord{timeFormat: defaultTimeFormat, lang: defaultLanguage, active: true, isAgent: true}
	w, errs := e.applyUserBody(agentEndpoint, u, b, true)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if field, dup := e.st.emailConflict(agentEndpoint, u); dup {
		return duplicate(field)
	}
	now := e.now()
	u.id, u.createdAt, u.updatedAt = e.st.newID(), now, now
	e.st.putUser(u)
	e.applyAgentGroups(w)
	return created(q, "agents", u.id, map[string]any{"agent": e.agentJSON(u)})
}

// applyAgentGroups stores member_of / observer_of, which live on the groups.
func (e *Emulator) applyAgentGroups(w userWrite) {
	now := e.now()
	if w.memberOf != nil {
		e.st.setAgentGroupsOf(w.u.id, *w.memberOf, false, now)
	}
	if w.observerOf != nil {
		e.st.setAgentGroupsOf(w.u.id, *w.observerOf, true, now)
	}
}

func (e *Emulator) getAgent(q *request) response {
	u, ok := e.agent(q.id(0))
	if !ok {
		return notFound()
	}
	return e.wrapAgent(http.StatusOK, u)
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

func (e *Emulator) updateAgent(q *request) response {
	cur, ok := e.agent(q.id(0))
	if !ok {
		return notFound()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	u := cur.clone()
	w, errs := e.applyUserBody(agentEndpoint, u, b, false)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if field, dup := e.st.emailConflict(agentEndpoint, u); dup {
		return duplicate(field)
	}
	u.updatedAt = e.now()
	e.st.putUser(u)
	e.applyAgentGroups(w)
	return e.wrapAgent(http.StatusOK, u)
}

// deactivateAgent answers 200 with the deactivated agent, unlike the requester DELETE's 204.
func (e *Emulator) deactivateAgent(q *request) response {
	u, ok := e.agent(q.id(0))
	if !ok {
		return notFound()
	}
	e.deactivate(u)
	return e.wrapAgent(http.StatusOK, u)
}

func (e *Emulator) reactivateAgent(q *request) response {
	u, ok := e.agent(q.id(0))
	if !ok {
		return notFound()
	}
	e.reactivate(u)
	return e.wrapAgent(http.StatusOK, u)
}

func (e *Emulator) forgetAgent(q *request) response {
	if _, ok := e.agent(q.id(0)); !ok {
		return notFound()
	}
	e.st.forgetUser(q.id(0), e.now())
	return emptyResponse(http.StatusNoContent)
}

// convertToRequester keeps the id and drops the agent's roles and agent-group memberships.
func (e *Emulator) convertToRequester(q *request) response {
	u, ok := e.agent(q.id(0))
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
	return e.wrapRequester(http.StatusOK, u)
}

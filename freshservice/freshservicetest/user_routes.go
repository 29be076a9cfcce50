package freshservicetest

import "net/http"

// The agent and requester routes serve the same users; an endpoint sees only its own kind, and
// answers with its own key ("agent" or "requester") and shape.

func (ep userEndpoint) path() string {
	if ep == agentEndpoint {
		return "agents"
	}
	return "requesters"
}

// lookup returns the stored user with id if the endpoint sees it.
func (ep userEndpoint) lookup(e *Emulator, id int64) (*userRecord, bool) {
	u, ok := e.st.users[id]
	if !ok || u.isAgent != (ep == agentEndpoint) {
		return nil, false
	}
	return u, true
}

func (ep userEndpoint) render(e *Emulator, u *userRecord) map[string]any {
	if ep == agentEndpoint {
		return map[string]any{"agent": e.agentJSON(u)}
	}
	return map[string]any{"requester": e.requesterJSON(u)}
}

func (ep userEndpoint) wrap(e *Emulator, status int, u *userRecord) response {
	return jsonResponse(status, ep.render(e, u))
}

func (ep userEndpoint) create(e *Emulator, q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	u := &userRecord{timeFormat: defaultTimeFormat, lang: defaultLanguage, active: true, isAgent: ep == agentEndpoint}
	w, errs := e.applyUserBody(ep, u, b, true)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if field, dup := e.st.emailConflict(ep, u); dup {
		return duplicate(field)
	}
	now := e.now()
	u.id, u.createdAt, u.updatedAt = e.st.newID(), now, now
	e.st.putUser(u)
	e.applyAgentGroups(w)
	return created(q, ep.path(), u.id, ep.render(e, u))
}

func (ep userEndpoint) get(e *Emulator, q *request) response {
	u, ok := ep.lookup(e, q.id(0))
	if !ok {
		return notFound()
	}
	return ep.wrap(e, http.StatusOK, u)
}

func (ep userEndpoint) update(e *Emulator, q *request) response {
	cur, ok := ep.lookup(e, q.id(0))
	if !ok {
		return notFound()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	u := cur.clone()
	w, errs := e.applyUserBody(ep, u, b, false)
	if len(errs) > 0 {
		return badRequest(errs...)
	}
	if field, dup := e.st.emailConflict(ep, u); dup {
		return duplicate(field)
	}
	u.updatedAt = e.now()
	e.st.putUser(u)
	e.applyAgentGroups(w)
	return ep.wrap(e, http.StatusOK, u)
}

// applyAgentGroups stores member_of / observer_of, which live on the groups (only agent bodies
// carry them).
func (e *Emulator) applyAgentGroups(w userWrite) {
	now := e.now()
	if w.memberOf != nil {
		e.st.setAgentGroupsOf(w.u.id, *w.memberOf, false, now)
	}
	if w.observerOf != nil {
		e.st.setAgentGroupsOf(w.u.id, *w.observerOf, true, now)
	}
}

// deactivate answers the agent route with 200 and the deactivated agent, the requester route with
// 204 and no body.
func (ep userEndpoint) deactivate(e *Emulator, q *request) response {
	u, ok := ep.lookup(e, q.id(0))
	if !ok {
		return notFound()
	}
	e.deactivate(u)
	if ep == agentEndpoint {
		return ep.wrap(e, http.StatusOK, u)
	}
	return emptyResponse(http.StatusNoContent)
}

func (ep userEndpoint) reactivate(e *Emulator, q *request) response {
	u, ok := ep.lookup(e, q.id(0))
	if !ok {
		return notFound()
	}
	e.reactivate(u)
	return ep.wrap(e, http.StatusOK, u)
}

func (ep userEndpoint) forget(e *Emulator, q *request) response {
	if _, ok := ep.lookup(e, q.id(0)); !ok {
		return notFound()
	}
	e.st.forgetUser(q.id(0), e.now())
	return emptyResponse(http.StatusNoContent)
}

// routes lists the routes both kinds have; agent routes need an admin key.
func (ep userEndpoint) routes() []route {
	admin := ep == agentEndpoint
	p := ep.path()
	return []route{
		newRoute(http.MethodPost, p, admin, ep.create),
		newRoute(http.MethodGet, p+"/{id}", admin, ep.get),
		newRoute(http.MethodPut, p+"/{id}", admin, ep.update),
		newRoute(http.MethodDelete, p+"/{id}", admin, ep.deactivate),
		newRoute(http.MethodPut, p+"/{id}/reactivate", admin, ep.reactivate),
		newRoute(http.MethodDelete, p+"/{id}/forget", admin, ep.forget),
	}
}

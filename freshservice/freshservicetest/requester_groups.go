package freshservicetest

import (
	"encoding/json"
	"net/http"

	"github.com/fsscim/fsscim/freshservice"
)

func (g *requesterGroupRecord) fields() map[string]any {
	return map[string]any{
		"description": nullString(g.Description),
		"type":        g.Type,
	}
}

func (g *requesterGroupRecord) meta() recordMeta {
	return recordMeta{&g.ID, &g.Name, &g.createdAt, &g.updatedAt}
}

// clone shares the member set, which an update through the API does not change.
func (g *requesterGroupRecord) clone() *requesterGroupRecord {
	c := *g
	return &c
}

// requesterGroups are the requester group routes: the API makes manual groups only, and refuses to
// change rule-based ones. Deleting one leaves its members as users.
func requesterGroups() collection[requesterGroupRecord, *requesterGroupRecord] {
	c := newCollection("requester_groups", func(s *state) map[int64]*requesterGroupRecord { return s.requesterGroups })
	c.fresh = func() *requesterGroupRecord {
		return &requesterGroupRecord{RequesterGroup: freshservice.RequesterGroup{Type: freshservice.GroupTypeManual}, members: map[int64]bool{}}
	}
	c.untimed = true
	c.guard = func(g *requesterGroupRecord) *response {
		if g.Type != freshservice.GroupTypeRuleBased {
			return nil
		}
		r := ruleBasedRefusal()
		return &r
	}
	return c
}

// ruleBasedRefusal is the answer to a change Freshservice only allows on manual groups.
func ruleBasedRefusal() response {
	return badRequest(fieldError{Field: "type", Message: "Rule based requester groups cannot be modified through the API", Code: codeInvalidValue})
}

func (g *requesterGroupRecord) set(_ *Emulator, key string, raw json.RawMessage) *fieldError {
	switch key {
	case "type":
		return readonlyField(key)
	case "description":
		return setString(&g.Description, key, raw)
	}
	return invalidField(key)
}

// listRequesterGroupMembers pages the members, which say email rather than primary_email.
func (e *Emulator) listRequesterGroupMembers(q *request) response {
	g, ok := e.st.requesterGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	_, p, bad := listQuery(q)
	if bad != nil {
		return *bad
	}
	var members []*userRecord
	for _, id := range sortedIDs(g.members) {
		if u, ok := e.st.users[id]; ok {
			members = append(members, u)
		}
	}
	return pageOf(q, p, "requesters", members, func(u *userRecord) map[string]any {
		return map[string]any{
			"id":         u.id,
			"first_name": nullString(u.firstName),
			"last_name":  nullString(u.lastName),
			"email":      nullString(u.email),
		}
	})
}

// addRequesterGroupMember adds one active requester to a manual group: 200 with no body.
func (e *Emulator) addRequesterGroupMember(q *request) response {
	g, ok := e.st.requesterGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	u, ok := e.st.users[q.id(1)]
	if !ok {
		return notFound()
	}
	if g.Type == freshservice.GroupTypeRuleBased {
		return ruleBasedRefusal()
	}
	if fe := memberRefusal(g, u); fe != nil {
		return badRequest(*fe)
	}
	g.members[u.id] = true
	return emptyResponse(http.StatusOK)
}

// memberRefusal says why u cannot join g, or nil.
func memberRefusal(g *requesterGroupRecord, u *userRecord) *fieldError {
	switch {
	case u.isAgent:
		return invalidValue("requester_id", "Agents cannot be added to a requester group")
	case !u.active:
		return invalidValue("requester_id", "Deactivated requesters cannot be added to a requester group")
	case g.members[u.id]:
		return &fieldError{Field: "requester_id", Message: "The requester is already a member of this group", Code: codeDuplicateValue}
	}
	return nil
}

// removeRequesterGroupMember answers 204, or 404 {} when the user is not a member.
func (e *Emulator) removeRequesterGroupMember(q *request) response {
	g, ok := e.st.requesterGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	if g.Type == freshservice.GroupTypeRuleBased {
		return ruleBasedRefusal()
	}
	if !g.members[q.id(1)] {
		return notFound()
	}
	delete(g.members, q.id(1))
	return emptyResponse(http.StatusNoContent)
}

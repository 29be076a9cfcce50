package freshservicetest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

func requesterGroupJSON(g *requesterGroupRecord) map[string]any {
	return map[string]any{
		"id":          g.ID,
		"name":        g.Name,
		"description": nullString(g.Description),
		"type":        g.Type,
	}
}

func (g *requesterGroupRecord) memberIDs() []int64 {
	ids := make([]int64, 0, len(g.members))
	for id := range g.members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func requesterGroupName(g *requesterGroupRecord) string { return g.Name }

// ruleBasedRefusal is the answer to a change Freshservice only allows on manual groups.
func ruleBasedRefusal() response {
	return badRequest(fieldError{Field: "type", Message: "Rule based requester groups cannot be modified through the API", Code: codeInvalidValue})
}

func applyRequesterGroupBody(g *requesterGroupRecord, b body, create bool) []fieldError {
	var errs []fieldError
	add := func(fe *fieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	for _, key := range b.keys() {
		raw := b[key]
		switch key {
		case "id", "type", "created_at", "updated_at":
			add(readonlyField(key))
		case "name":
			s, fe := readString(key, raw)
			switch {
			case fe != nil:
				add(fe)
			case strings.TrimSpace(s) == "":
				add(missing(key))
			default:
				g.Name = s
			}
		case "description":
			add(setString(&g.Description, key, raw))
		default:
			add(invalidField(key))
		}
	}
	if _, ok := b["name"]; create && !ok {
		add(missing("name"))
	}
	return errs
}

func (e *Emulator) listRequesterGroups(q *request) response {
	_, p, bad := listQuery(q)
	if bad != nil {
		return *bad
	}
	return pageOf(q, p, "requester_groups", sortedIDs(e.st.requesterGroups), func(id int64) map[string]any {
		return requesterGroupJSON(e.st.requesterGroups[id])
	})
}

func (e *Emulator) getRequesterGroup(q *request) response {
	g, ok := e.st.requesterGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, map[string]any{"requester_group": requesterGroupJSON(g)})
}

// createRequesterGroup makes a manual group; rule-based groups cannot be created through the API.
func (e *Emulator) createRequesterGroup(q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	g := &requesterGroupRecord{RequesterGroup: freshservice.RequesterGroup{Type: freshservice.GroupTypeManual}, members: map[int64]bool{}}
	if errs := applyRequesterGroupBody(g, b, true); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.requesterGroups, requesterGroupName, g.Name, 0) {
		return duplicate("name")
	}
	now := e.now()
	g.ID, g.createdAt, g.updatedAt = e.st.newID(), now, now
	e.st.requesterGroups[g.ID] = g
	return created(q, "requester_groups", g.ID, map[string]any{"requester_group": requesterGroupJSON(g)})
}

func (e *Emulator) updateRequesterGroup(q *request) response {
	cur, ok := e.st.requesterGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	if cur.Type == freshservice.GroupTypeRuleBased {
		return ruleBasedRefusal()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	g := *cur
	if errs := applyRequesterGroupBody(&g, b, false); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.requesterGroups, requesterGroupName, g.Name, g.ID) {
		return duplicate("name")
	}
	g.updatedAt = e.now()
	*cur = g
	return jsonResponse(http.StatusOK, map[string]any{"requester_group": requesterGroupJSON(cur)})
}

// deleteRequesterGroup removes the group; its members stay as users.
func (e *Emulator) deleteRequesterGroup(q *request) response {
	if _, ok := e.st.requesterGroups[q.id(0)]; !ok {
		return notFound()
	}
	delete(e.st.requesterGroups, q.id(0))
	return emptyResponse(http.StatusNoContent)
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
	for _, id := range g.memberIDs() {
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

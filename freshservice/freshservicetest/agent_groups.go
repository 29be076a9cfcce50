package freshservicetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

func agentGroupJSON(g *agentGroupRecord) map[string]any {
	return map[string]any{
		"id":                         g.id,
		"name":                       g.name,
		"description":                nullString(g.description),
		"escalate_to":                nullID(g.escalateTo),
		"unassigned_for":             nullString(g.unassignedFor),
		"business_hours_id":          nullID(g.businessHoursID),
		"auto_ticket_assign":         g.autoTicketAssign,
		"restricted":                 g.restricted,
		"approval_required":          g.approvalRequired,
		"members":                    nonNilIDs(slices.Clone(g.members)),
		"observers":                  nonNilIDs(slices.Clone(g.observers)),
		"leaders":                    nonNilIDs(slices.Clone(g.leaders)),
		"members_pending_approval":   []int64{},
		"observers_pending_approval": []int64{},
		"leaders_pending_approval":   []int64{},
		"created_at":                 timestamp(g.createdAt),
		"updated_at":                 timestamp(g.updatedAt),
	}
}

func (g *agentGroupRecord) model() freshservice.AgentGroup {
	return freshservice.AgentGroup{
		ID:               g.id,
		Name:             g.name,
		Description:      g.description,
		Members:          nonNilIDs(slices.Clone(g.members)),
		Observers:        nonNilIDs(slices.Clone(g.observers)),
		Leaders:          nonNilIDs(slices.Clone(g.leaders)),
		Restricted:       g.restricted,
		ApprovalRequired: g.approvalRequired,
		CreatedAt:        g.createdAt,
		UpdatedAt:        g.updatedAt,
	}
}

func (g *agentGroupRecord) clone() *agentGroupRecord {
	c := *g
	c.members = slices.Clone(g.members)
	c.observers = slices.Clone(g.observers)
	c.leaders = slices.Clone(g.leaders)
	return &c
}

func agentGroupName(g *agentGroupRecord) string { return g.name }

func (e *Emulator) applyAgentGroupBody(g *agentGroupRecord, b body, create bool) []fieldError {
	var errs []fieldError
	for _, key := range b.keys() {
		if fe := e.setAgentGroupField(g, key, b[key]); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if _, ok := b["name"]; create && !ok {
		errs = append(errs, *missing("name"))
	}
	return errs
}

func (e *Emulator) setAgentGroupField(g *agentGroupRecord, key string, raw json.RawMessage) *fieldError {
	switch key {
	case "id", "created_at", "updated_at", "members_pending_approval", "observers_pending_approval",
		"leaders_pending_approval":
		return readonlyField(key)
	case "agent_ids":
		return &fieldError{Field: key, Message: "This attribute has been deprecated", Code: codeInvalidField}
	case "name":
		s, fe := readString(key, raw)
		if fe != nil {
			return fe
		}
		if strings.TrimSpace(s) == "" {
			return missing(key)
		}
		g.name = s
	case "description":
		return setString(&g.description, key, raw)
	case "members", "observers", "leaders":
		ids, fe := readIDList(key, raw)
		if fe != nil {
			return fe
		}
		for _, id := range ids {
			if u, ok := e.st.users[id]; !ok || !u.isAgent {
				return invalidValue(key, fmt.Sprintf("%d is not the id of an agent", id))
			}
		}
		slices.Sort(ids)
		switch key {
		case "members":
			g.members = ids
		case "observers":
			g.observers = ids
		default:
			g.leaders = ids
		}
	case "restricted", "approval_required", "auto_ticket_assign":
		v, fe := readBool(key, raw)
		if fe != nil {
			return fe
		}
		switch key {
		case "restricted":
			g.restricted = v
		case "approval_required":
			g.approvalRequired = v
		default:
			g.autoTicketAssign = v
		}
	case "unassigned_for":
		s, fe := readString(key, raw)
		if fe != nil {
			return fe
		}
		if s != "" && !slices.Contains([]string{"30m", "1h", "2h", "4h", "8h", "12h", "1d", "2d", "3d"}, s) {
			return invalidValue(key, "It should be one of these values: '30m,1h,2h,4h,8h,12h,1d,2d,3d'")
		}
		g.unassignedFor = s
	case "escalate_to":
		id, fe := readID(key, raw)
		if fe != nil {
			return fe
		}
		if u, ok := e.st.users[id]; id != 0 && (!ok || !u.isAgent) {
			return invalidValue(key, "It should be the id of an agent")
		}
		g.escalateTo = id
	case "business_hours_id":
		id, fe := readID(key, raw)
		if fe != nil {
			return fe
		}
		g.businessHoursID = id
	case "workspace_id":
		// Accepted for compatibility; the emulated account has a single workspace.
		_, fe := readID(key, raw)
		return fe
	default:
		return invalidField(key)
	}
	return nil
}

func (e *Emulator) listAgentGroups(q *request) response {
	_, p, bad := listQuery(q, "workspace_id")
	if bad != nil {
		return *bad
	}
	return pageOf(q, p, "groups", sortedIDs(e.st.agentGroups), func(id int64) map[string]any {
		return agentGroupJSON(e.st.agentGroups[id])
	})
}

func (e *Emulator) getAgentGroup(q *request) response {
	g, ok := e.st.agentGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, map[string]any{"group": agentGroupJSON(g)})
}

func (e *Emulator) createAgentGroup(q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	g := &agentGroupRecord{}
	if errs := e.applyAgentGroupBody(g, b, true); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.agentGroups, agentGroupName, g.name, 0) {
		return duplicate("name")
	}
	now := e.now()
	g.id, g.createdAt, g.updatedAt = e.st.newID(), now, now
	e.st.agentGroups[g.id] = g
	return created(q, "groups", g.id, map[string]any{"group": agentGroupJSON(g)})
}

// updateAgentGroup replaces whatever lists the body carries as a whole ("members":[] empties it).
func (e *Emulator) updateAgentGroup(q *request) response {
	cur, ok := e.st.agentGroups[q.id(0)]
	if !ok {
		return notFound()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	g := cur.clone()
	if errs := e.applyAgentGroupBody(g, b, false); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.agentGroups, agentGroupName, g.name, g.id) {
		return duplicate("name")
	}
	g.updatedAt = e.now()
	e.st.agentGroups[g.id] = g
	return jsonResponse(http.StatusOK, map[string]any{"group": agentGroupJSON(g)})
}

func (e *Emulator) deleteAgentGroup(q *request) response {
	id := q.id(0)
	if _, ok := e.st.agentGroups[id]; !ok {
		return notFound()
	}
	delete(e.st.agentGroups, id)
	for _, u := range e.st.users {
		for i := range u.roles {
			u.roles[i].Groups = without(u.roles[i].Groups, id)
		}
	}
	return emptyResponse(http.StatusNoContent)
}

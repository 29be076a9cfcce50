package freshservicetest

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/fsscim/fsscim/freshservice"
)

func (g *agentGroupRecord) fields() map[string]any {
	return map[string]any{
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

func (g *agentGroupRecord) meta() recordMeta {
	return recordMeta{&g.id, &g.name, &g.createdAt, &g.updatedAt}
}

// agentGroups are the agent group routes; deleting one drops it from every agent's roles.
func agentGroups() collection[agentGroupRecord, *agentGroupRecord] {
	c := newCollection("groups", func(s *state) map[int64]*agentGroupRecord { return s.agentGroups })
	c.listParams = []string{"workspace_id"}
	c.forget = func(s *state, id int64) {
		for _, u := range s.users {
			for i := range u.roles {
				u.roles[i].Groups = without(u.roles[i].Groups, id)
			}
		}
	}
	return c
}

func (g *agentGroupRecord) set(e *Emulator, key string, raw json.RawMessage) *fieldError {
	flags := map[string]*bool{"restricted": &g.restricted, "approval_required": &g.approvalRequired, "auto_ticket_assign": &g.autoTicketAssign}
	if dst, ok := flags[key]; ok {
		return setValid(dst, key, raw, readBool, nil)
	}
	agentLists := map[string]*[]int64{"members": &g.members, "observers": &g.observers, "leaders": &g.leaders}
	if dst, ok := agentLists[key]; ok {
		return e.setAgentList(dst, key, raw)
	}
	switch key {
	case "members_pending_approval", "observers_pending_approval", "leaders_pending_approval":
		return readonlyField(key)
	case "agent_ids":
		return &fieldError{Field: key, Message: "This attribute has been deprecated", Code: codeInvalidField}
	case "description":
		return setString(&g.description, key, raw)
	case "unassigned_for":
		return setValid(&g.unassignedFor, key, raw, readString, func(s string) *fieldError {
			return refuseIf(s != "" && !slices.Contains([]string{"30m", "1h", "2h", "4h", "8h", "12h", "1d", "2d", "3d"}, s),
				key, "It should be one of these values: '30m,1h,2h,4h,8h,12h,1d,2d,3d'")
		})
	case "escalate_to":
		return setValid(&g.escalateTo, key, raw, readID, func(id int64) *fieldError {
			u, ok := e.st.users[id]
			return refuseIf(id != 0 && (!ok || !u.isAgent), key, "It should be the id of an agent")
		})
	case "business_hours_id":
		return setValid(&g.businessHoursID, key, raw, readID, nil)
	case "workspace_id":
		// Accepted for compatibility; the emulated account has a single workspace.
		_, fe := readID(key, raw)
		return fe
	}
	return invalidField(key)
}

// setAgentList sets a member, observer or leader list, sorted; every id must be an agent's.
func (e *Emulator) setAgentList(dst *[]int64, key string, raw json.RawMessage) *fieldError {
	fe := setValid(dst, key, raw, readIDList, func(ids []int64) *fieldError {
		for _, id := range ids {
			if u, ok := e.st.users[id]; !ok || !u.isAgent {
				return invalidValue(key, fmt.Sprintf("%d is not the id of an agent", id))
			}
		}
		return nil
	})
	slices.Sort(*dst)
	return fe
}

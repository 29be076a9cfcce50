package provision

import (
	"context"
	"strconv"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// agentGroups keeps SCIM groups as Freshservice agent groups, whose membership is written as one
// whole list: changes to one group are serialised by the caller.
type agentGroups struct {
	groupCalls[freshservice.AgentGroup]
}

func newAgentGroups(c *freshservice.Client) agentGroups {
	return agentGroups{groupCalls[freshservice.AgentGroup]{
		target: TargetAgentGroups, name: "agent group", agentMembers: true, info: agentGroupInfo,
		fetch: c.GetAgentGroup, fetchAll: c.ListAgentGroups,
		add: c.CreateAgentGroup, write: c.UpdateAgentGroup, drop: c.DeleteAgentGroup,
	}}
}

func agentGroupInfo(g freshservice.AgentGroup) groupInfo {
	return groupInfo{
		id: g.ID, name: g.Name, description: g.Description,
		members: g.Members, pending: g.MembersPendingApproval,
		created: g.CreatedAt, updated: g.UpdatedAt,
	}
}

// members are the ids the group read carried; Freshservice gives no names with them, and reading
// every agent for a display text would cost a call per member.
func (agentGroups) members(_ context.Context, g groupInfo) ([]mapping.Member, error) {
	out := make([]mapping.Member, 0, len(g.members))
	for _, id := range g.members {
		out = append(out, mapping.Member{Value: strconv.FormatInt(id, 10)})
	}
	return out, nil
}

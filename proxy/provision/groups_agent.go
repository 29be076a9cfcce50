package provision

import (
	"context"
	"fmt"
	"strconv"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// agentGroups keeps SCIM groups as Freshservice agent groups, whose membership is written as one
// whole list: changes to one group are serialised by the caller.
type agentGroups struct{ c *freshservice.Client }

func (agentGroups) kind() string { return TargetAgentGroups }
func (agentGroups) noun() string { return "agent group" }
func (agentGroups) agents() bool { return true }

func agentGroupInfo(g freshservice.AgentGroup) groupInfo {
	return groupInfo{
		id: g.ID, name: g.Name, description: g.Description,
		members: g.Members, pending: g.MembersPendingApproval,
		created: g.CreatedAt, updated: g.UpdatedAt,
	}
}

func (t agentGroups) get(ctx context.Context, id int64) (groupInfo, error) {
	g, err := t.c.GetAgentGroup(ctx, id)
	if err != nil {
		return groupInfo{}, fmt.Errorf("get agent group %d: %w", id, err)
	}
	return agentGroupInfo(g), nil
}

func (t agentGroups) list(ctx context.Context) ([]groupInfo, error) {
	groups, err := t.c.ListAgentGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list agent groups: %w", err)
	}
	out := make([]groupInfo, 0, len(groups))
	for _, g := range groups {
		out = append(out, agentGroupInfo(g))
	}
	return out, nil
}

func (t agentGroups) create(ctx context.Context, name, description string, members []int64) (groupInfo, error) {
	f := freshservice.GroupFields{Name: &name, Description: &description}
	if len(members) > 0 {
		f.Members = &members
	}
	g, err := t.c.CreateAgentGroup(ctx, f)
	if err != nil {
		return groupInfo{}, fmt.Errorf("create agent group %q: %w", name, err)
	}
	return agentGroupInfo(g), nil
}

func (t agentGroups) update(ctx context.Context, id int64, f freshservice.GroupFields) (groupInfo, error) {
	g, err := t.c.UpdateAgentGroup(ctx, id, f)
	if err != nil {
		return groupInfo{}, fmt.Errorf("update agent group %d: %w", id, err)
	}
	return agentGroupInfo(g), nil
}

func (t agentGroups) remove(ctx context.Context, id int64) error {
	if err := t.c.DeleteAgentGroup(ctx, id); err != nil {
		return fmt.Errorf("delete agent group %d: %w", id, err)
	}
	return nil
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

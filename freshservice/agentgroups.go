package freshservice

import "context"

// CreateAgentGroup creates an agent group; f.Members, when set, is its whole member list.
func (c *Client) CreateAgentGroup(ctx context.Context, f GroupFields) (AgentGroup, error) {
	return agentGroupsAPI.create(ctx, c, f)
}

// GetAgentGroup reads one agent group with its member list.
func (c *Client) GetAgentGroup(ctx context.Context, id int64) (AgentGroup, error) {
	return agentGroupsAPI.get(ctx, c, id)
}

// ListAgentGroups reads every agent group of the primary workspace, all pages.
func (c *Client) ListAgentGroups(ctx context.Context) ([]AgentGroup, error) {
	return agentGroupsAPI.list(ctx, c)
}

// UpdateAgentGroup writes the set fields of f. Members replaces the whole member list, so callers
// changing membership must read, modify and write under their own lock.
func (c *Client) UpdateAgentGroup(ctx context.Context, id int64, f GroupFields) (AgentGroup, error) {
	return agentGroupsAPI.update(ctx, c, id, f)
}

// DeleteAgentGroup deletes an agent group.
func (c *Client) DeleteAgentGroup(ctx context.Context, id int64) error {
	return agentGroupsAPI.remove(ctx, c, id)
}

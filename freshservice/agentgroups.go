package freshservice

import (
	"context"
	"net/http"
	"strconv"
)

// CreateAgentGroup creates an agent group; f.Members, when set, is its whole member list.
func (c *Client) CreateAgentGroup(ctx context.Context, f GroupFields) (AgentGroup, error) {
	cl := call{method: http.MethodPost, endpoint: "/groups", path: "/groups", body: f}
	return single(ctx, c, cl, "group", pickAgentGroup)
}

// GetAgentGroup reads one agent group with its member list.
func (c *Client) GetAgentGroup(ctx context.Context, id int64) (AgentGroup, error) {
	cl := call{method: http.MethodGet, endpoint: "/groups/{id}", path: agentGroupPath(id)}
	return single(ctx, c, cl, "group", pickAgentGroup)
}

// ListAgentGroups reads every agent group of the primary workspace, all pages.
func (c *Client) ListAgentGroups(ctx context.Context) ([]AgentGroup, error) {
	return listAll(ctx, c, "/groups", func(env *envelope) []AgentGroup { return env.Groups })
}

// UpdateAgentGroup writes the set fields of f. Members replaces the whole member list, so callers
// changing membership must read, modify and write under their own lock.
func (c *Client) UpdateAgentGroup(ctx context.Context, id int64, f GroupFields) (AgentGroup, error) {
	cl := call{method: http.MethodPut, endpoint: "/groups/{id}", path: agentGroupPath(id), body: f}
	return single(ctx, c, cl, "group", pickAgentGroup)
}

// DeleteAgentGroup deletes an agent group.
func (c *Client) DeleteAgentGroup(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/groups/{id}", path: agentGroupPath(id)})
	return err
}

func pickAgentGroup(env *envelope) *AgentGroup { return env.Group }

func agentGroupPath(id int64) string {
	return "/groups/" + strconv.FormatInt(id, 10)
}

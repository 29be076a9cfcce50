package freshservice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// ErrRolesRequired is returned by CreateAgent, before anything is sent, when no role is given:
// Freshservice refuses to create an agent without one.
var ErrRolesRequired = errors.New("an agent needs at least one role")

// CreateAgent creates an agent (POST /agents); f.Roles is required.
func (c *Client) CreateAgent(ctx context.Context, f UserFields) (User, error) {
	if len(f.Roles) == 0 {
		return User{}, fmt.Errorf("freshservice: create agent: %w", ErrRolesRequired)
	}
	return c.agentCall(ctx, call{method: http.MethodPost, endpoint: "/agents", path: "/agents", body: newAgentBody(f)})
}

// GetAgent reads one agent, active or not.
func (c *Client) GetAgent(ctx context.Context, id int64) (User, error) {
	return c.agentCall(ctx, agentsEndpoint.on(http.MethodGet, id, "", nil))
}

// FindAgentsByEmail returns the agents whose email is email (sent lower-cased).
func (c *Client) FindAgentsByEmail(ctx context.Context, email string) ([]User, error) {
	return c.findUsers(ctx, agentsEndpoint, url.Values{"email": {lowerEmail(email)}})
}

// ListAgents reads one page of agents; more says another page follows.
func (c *Client) ListAgents(ctx context.Context, page, perPage int) ([]User, bool, error) {
	return c.listUsers(ctx, agentsEndpoint, page, perPage)
}

// UpdateAgent writes the set fields of f (PUT /agents/{id}); roles and member_of replace the whole set.
func (c *Client) UpdateAgent(ctx context.Context, id int64, f UserFields) (User, error) {
	return c.agentCall(ctx, agentsEndpoint.on(http.MethodPut, id, "", newAgentBody(f)))
}

// DeactivateAgent deactivates an agent (DELETE /agents/{id}); Freshservice answers 200 with the
// agent or 204, and both are success.
func (c *Client) DeactivateAgent(ctx context.Context, id int64) error {
	_, err := c.do(ctx, agentsEndpoint.on(http.MethodDelete, id, "", nil))
	return err
}

// ReactivateAgent reactivates a deactivated agent.
func (c *Client) ReactivateAgent(ctx context.Context, id int64) (User, error) {
	return c.agentCall(ctx, agentsEndpoint.on(http.MethodPut, id, "/reactivate", nil))
}

// ForgetAgent deletes an agent for good, with the tickets they requested.
func (c *Client) ForgetAgent(ctx context.Context, id int64) error {
	_, err := c.do(ctx, agentsEndpoint.on(http.MethodDelete, id, "/forget", nil))
	return err
}

// ConvertToRequester turns an agent into a requester with the same id.
func (c *Client) ConvertToRequester(ctx context.Context, id int64) (User, error) {
	return c.requesterCall(ctx, agentsEndpoint.on(http.MethodPut, id, "/convert_to_requester", nil))
}

// agentCall runs a call answered by {"agent": {...}}; the user comes back with IsAgent set, since
// agent answers do not carry is_agent.
func (c *Client) agentCall(ctx context.Context, cl call) (User, error) {
	u, err := single(ctx, c, cl, "agent", func(env *envelope) *User { return env.Agent })
	u.IsAgent = err == nil
	return u, err
}

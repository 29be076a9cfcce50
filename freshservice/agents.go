package freshservice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	return c.agentCall(ctx, call{method: http.MethodGet, endpoint: "/agents/{id}", path: agentPath(id)})
}

// FindAgentsByEmail returns the agents whose email is email (sent lower-cased).
func (c *Client) FindAgentsByEmail(ctx context.Context, email string) ([]User, error) {
	q := url.Values{"email": {strings.ToLower(strings.TrimSpace(email))}}
	cl := call{method: http.MethodGet, endpoint: "/agents", path: "/agents", query: q, list: true}
	ans, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := decode(ans, cl, &env); err != nil {
		return nil, err
	}
	return markAgents(env.Agents), nil
}

// ListAgents reads one page of agents; more says another page follows.
func (c *Client) ListAgents(ctx context.Context, page, perPage int) ([]User, bool, error) {
	page, perPage = clampPage(page, perPage)
	var env envelope
	_, more, err := c.getPage(ctx, "/agents", "/agents", nil, page, perPage, &env)
	if err != nil {
		return nil, false, err
	}
	return markAgents(env.Agents), more, nil
}

// UpdateAgent writes the set fields of f (PUT /agents/{id}); roles and member_of replace the whole set.
func (c *Client) UpdateAgent(ctx context.Context, id int64, f UserFields) (User, error) {
	return c.agentCall(ctx, call{method: http.MethodPut, endpoint: "/agents/{id}", path: agentPath(id), body: newAgentBody(f)})
}

// DeactivateAgent deactivates an agent (DELETE /agents/{id}); Freshservice answers 200 with the
// agent or 204, and both are success.
func (c *Client) DeactivateAgent(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/agents/{id}", path: agentPath(id)})
	return err
}

// ReactivateAgent reactivates a deactivated agent.
func (c *Client) ReactivateAgent(ctx context.Context, id int64) (User, error) {
	return c.agentCall(ctx, call{method: http.MethodPut, endpoint: "/agents/{id}/reactivate", path: agentPath(id) + "/reactivate"})
}

// ForgetAgent deletes an agent for good, with the tickets they requested.
func (c *Client) ForgetAgent(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/agents/{id}/forget", path: agentPath(id) + "/forget"})
	return err
}

// ConvertToRequester turns an agent into a requester with the same id.
func (c *Client) ConvertToRequester(ctx context.Context, id int64) (User, error) {
	return c.requesterCall(ctx, call{method: http.MethodPut, endpoint: "/agents/{id}/convert_to_requester", path: agentPath(id) + "/convert_to_requester"})
}

// agentCall runs a call answered by {"agent": {...}}; the user comes back with IsAgent set, since
// agent answers do not carry is_agent.
func (c *Client) agentCall(ctx context.Context, cl call) (User, error) {
	u, err := single(ctx, c, cl, "agent", func(env *envelope) *User { return env.Agent })
	u.IsAgent = err == nil
	return u, err
}

func markAgents(users []User) []User {
	for i := range users {
		users[i].IsAgent = true
	}
	return users
}

func agentPath(id int64) string {
	return "/agents/" + strconv.FormatInt(id, 10)
}

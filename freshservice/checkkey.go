package freshservice

import (
	"context"
	"net/http"
	"net/url"
)

// CheckKey asks Freshservice whether the key is accepted: GET /agents/me, or, where that endpoint is
// missing (404), GET /agents?per_page=1. nil means accepted; IsUnauthorized means a bad key or
// domain, IsForbidden a key whose agent lacks the rights.
func (c *Client) CheckKey(ctx context.Context) error {
	_, err := c.KeyOwner(ctx)
	return err
}

// KeyOwner checks the key as CheckKey does and returns the id of the agent who owns it, as GET
// /agents/me answers it. Where that endpoint is missing the owner is unknown: the key is checked with
// GET /agents?per_page=1 and the id is 0.
func (c *Client) KeyOwner(ctx context.Context) (int64, error) {
	me, err := c.Me(ctx)
	return me.ID, err
}

// Me checks the key as CheckKey does and returns the agent who owns it (its name, email and roles)
// as GET /agents/me answers it; where that endpoint is missing, the zero User.
func (c *Client) Me(ctx context.Context) (User, error) {
	cl := call{method: http.MethodGet, endpoint: "/agents/me", path: "/agents/me"}
	me, err := single(ctx, c, cl, "agent", func(env *envelope) *User { return env.Agent })
	if err == nil {
		me.IsAgent = true
		return me, nil
	}
	if !IsNotFound(err) {
		return User{}, err
	}
	_, err = c.do(ctx, call{method: http.MethodGet, endpoint: "/agents", path: "/agents",
		query: url.Values{"per_page": {"1"}}, list: true})
	return User{}, err
}

// RoleInfo is one of the account's agent roles (GET /roles).
type RoleInfo struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Default marks the roles Freshservice gives every account (Account Admin, Admin, ...).
	Default bool `json:"default"`
	// RoleType is RoleTypeAdmin or RoleTypeAgent.
	RoleType int `json:"role_type"`
}

// Role types of RoleInfo: admin roles configure the account, agent roles work tickets.
const (
	RoleTypeAdmin = 1
	RoleTypeAgent = 2
)

// ListRoles reads every role of the account.
func (c *Client) ListRoles(ctx context.Context) ([]RoleInfo, error) {
	return listAll(ctx, c, "/roles", func(env *envelope) []RoleInfo { return env.Roles })
}

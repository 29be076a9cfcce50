package freshservice

import (
	"context"
	"net/http"
	"strings"
)

// AccountAdminRole is the name of Freshservice's built-in role that may manage everything fsscim
// writes: requesters, agents, groups, departments and locations.
const AccountAdminRole = "Account Admin"

// UserField is one requester or agent field of the account (GET /requester_fields, /agent_fields).
type UserField struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"` // the key in custom_fields, e.g. cost_center
	Label string `json:"label"`
	Type  string `json:"type"` // default_* for built-in fields, custom_* for custom ones
}

// Custom reports whether the field is one the account added (its name is a custom_fields key).
func (f UserField) Custom() bool { return strings.HasPrefix(f.Type, "custom_") }

// KeyAccess is what Freshservice says about the owner of an API key.
type KeyAccess struct {
	Owner        User
	AccountAdmin bool // one of the owner's roles is the Account Admin role
}

// OwnerName names the key's owner as "First Last <email>", for messages; never the key.
func (a KeyAccess) OwnerName() string {
	name := strings.TrimSpace(a.Owner.FirstName + " " + a.Owner.LastName)
	if mail := a.Owner.Mail(); mail != "" {
		name += " <" + mail + ">"
	}
	return name
}

// CheckAccess reads the key's owner (GET /agents/me) and whether one of its roles is the Account
// Admin role (GET /roles). A key Freshservice refuses gives an error for which IsUnauthorized holds;
// a key whose owner may not read the roles is not an account admin's.
func (c *Client) CheckAccess(ctx context.Context) (KeyAccess, error) {
	owner, err := single(ctx, c, call{method: http.MethodGet, endpoint: "/agents/me", path: "/agents/me"}, "agent",
		func(env *envelope) *User { return env.Agent })
	if err != nil {
		return KeyAccess{}, err
	}
	owner.IsAgent = true
	access := KeyAccess{Owner: owner}
	roles, err := c.ListRoles(ctx)
	if IsForbidden(err) {
		return access, nil
	}
	if err != nil {
		return access, err
	}
	names := make(map[int64]string, len(roles))
	for _, r := range roles {
		names[r.ID] = r.Name
	}
	for _, r := range owner.Roles {
		if strings.EqualFold(names[r.RoleID], AccountAdminRole) {
			access.AccountAdmin = true
		}
	}
	return access, nil
}

// ListUserFields reads the account's requester fields, or its agent fields when agents is true.
func (c *Client) ListUserFields(ctx context.Context, agents bool) ([]UserField, error) {
	endpoint := "/requester_fields"
	if agents {
		endpoint = "/agent_fields"
	}
	var body struct {
		Requester []UserField `json:"requester_fields"`
		Agent     []UserField `json:"agent_fields"`
	}
	if _, err := c.fetch(ctx, call{method: http.MethodGet, endpoint: endpoint, path: endpoint}, &body); err != nil {
		return nil, err
	}
	if agents {
		return body.Agent, nil
	}
	return body.Requester, nil
}

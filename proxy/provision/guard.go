package provision

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// What a guarded change does to an agent, as the refusal names it.
const (
	changeDeactivate = "deactivate"
	changeDelete     = "delete"
	changeConvert    = "convert to a requester"
)

// adminRolesTTL is how long a tenant's list of Account Admin roles is used before it is read again:
// roles change rarely, and the list is only read when an agent is about to be deactivated, deleted
// or converted.
const adminRolesTTL = 10 * time.Minute

// adminRoles is a tenant's Account Admin role ids, read from GET /roles on first need.
type adminRoles struct {
	mu   sync.Mutex
	ids  map[int64]bool
	read time.Time
}

// guardAgent refuses a change that would take an agent fsscim must not lose out of Freshservice's
// agents (deactivate, delete, convert to a requester): the agent owning the API key the session's
// token carries, since fsscim could then no longer reach the account at all; and, unless the tenant
// file sets users.manage_account_admins, an agent holding the Account Admin role, so that
// provisioning cannot lock the account's admins out. Requesters are never refused.
func (s *Session) guardAgent(ctx context.Context, fu freshservice.User, change string) error {
	if !fu.IsAgent {
		return nil
	}
	owner, err := s.keyOwner(ctx)
	if err != nil {
		return fmt.Errorf("find the agent owning the API key before the %s of user %d: %w", change, fu.ID, err)
	}
	if owner == fu.ID {
		return problem(http.StatusForbidden, "",
			"fsscim does not %s user %d (%s): this agent owns the Freshservice API key in the token of %s, and the key would stop working. Make the change in Freshservice after issuing a token with another admin's API key.",
			change, fu.ID, fu.Mail(), s.cfg.Domain)
	}
	if s.cfg.Users.ManageAccountAdmins || len(fu.Roles) == 0 {
		return nil
	}
	ids, err := s.t.accountAdminRoles(ctx, s.c)
	if err != nil {
		return fmt.Errorf("read the roles of %s to check whether agent %d is an Account Admin: %w", s.cfg.Domain, fu.ID, err)
	}
	for _, r := range fu.Roles {
		if ids[r.RoleID] {
			return problem(http.StatusForbidden, "",
				"fsscim does not %s user %d (%s): the agent holds Freshservice's Account Admin role. Make the change in Freshservice, or set users.manage_account_admins: true in the tenant file of %s.",
				change, fu.ID, fu.Mail(), s.cfg.Domain)
		}
	}
	return nil
}

// guardChange checks what apply is about to do to fu: deactivate it, or turn an agent into a
// requester.
func (s *Session) guardChange(ctx context.Context, fu freshservice.User, wantActive, wantAgent bool) error {
	if fu.Active && !wantActive {
		if err := s.guardAgent(ctx, fu, changeDeactivate); err != nil {
			return err
		}
	}
	if fu.IsAgent && !wantAgent {
		return s.guardAgent(ctx, fu, changeConvert)
	}
	return nil
}

// keyOwner is the id of the agent owning the session's API key, remembered with the key's verdict
// (the key check reads it from GET /agents/me); 0 when Freshservice does not say.
func (s *Session) keyOwner(ctx context.Context) (int64, error) {
	v, ok := s.t.keys.Get(s.keyHash)
	if ok {
		if owner, known := v.keyOwner(); known {
			return owner, nil
		}
	}
	owner, err := s.c.KeyOwner(ctx)
	if err != nil {
		return 0, err
	}
	if ok {
		v.setOwner(owner)
	}
	return owner, nil
}

// accountAdminRoles returns the ids of the account's Account Admin roles, reading GET /roles when
// the list is older than adminRolesTTL.
func (t *Tenant) accountAdminRoles(ctx context.Context, c *freshservice.Client) (map[int64]bool, error) {
	a := &t.adminRoles
	a.mu.Lock()
	defer a.mu.Unlock()
	now := t.deps.Now()
	if a.ids != nil && now.Sub(a.read) < adminRolesTTL {
		return a.ids, nil
	}
	roles, err := c.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, r := range roles {
		if strings.EqualFold(strings.TrimSpace(r.Name), freshservice.AccountAdminRole) && r.RoleType != freshservice.RoleTypeAgent {
			ids[r.ID] = true
		}
	}
	a.ids, a.read = ids, now
	return ids, nil
}

package freshservicetest

import (
	"net/http"
	"time"
)

// Freshservice role types: admin roles configure the account (and let a key manage agents), agent
// roles work tickets.
const (
	roleTypeAdmin = 1
	roleTypeAgent = 2
)

// roleRecord is one role of the account.
type roleRecord struct {
	id          int64
	name        string
	description string
	builtin     bool // one of Freshservice's default roles
	roleType    int
	createdAt   time.Time
}

// builtinRoles are the default roles every emulated account starts with.
func builtinRoles(now time.Time) map[int64]*roleRecord {
	return map[int64]*roleRecord{
		AccountAdminRoleID: {id: AccountAdminRoleID, name: "Account Admin", builtin: true, roleType: roleTypeAdmin, createdAt: now,
			description: "Has complete control over the account, including billing and subscription."},
		AdminRoleID: {id: AdminRoleID, name: "Admin", builtin: true, roleType: roleTypeAdmin, createdAt: now,
			description: "Can configure all features through the admin section, but not billing."},
		SDAgentRoleID: {id: SDAgentRoleID, name: "SD Agent", builtin: true, roleType: roleTypeAgent, createdAt: now,
			description: "Can work on tickets, problems, changes and releases."},
	}
}

// AddRole creates a custom role: an admin role when admin is true, else an agent role. It returns
// the role's id, to give to agents.
func (e *Emulator) AddRole(name string, admin bool) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	typ := roleTypeAgent
	if admin {
		typ = roleTypeAdmin
	}
	r := &roleRecord{id: e.st.newID(), name: name, roleType: typ, createdAt: e.now()}
	e.st.roles[r.id] = r
	return r.id
}

// holdsAdminRole reports whether u has an admin role: what an API key owned by u may do follows.
func (e *Emulator) holdsAdminRole(u *userRecord) bool {
	for _, r := range u.roles {
		if role, ok := e.st.roles[r.RoleID]; ok && role.roleType == roleTypeAdmin {
			return true
		}
	}
	return false
}

func (r *roleRecord) json() map[string]any {
	ts := r.createdAt.Format(time.RFC3339)
	return map[string]any{"id": r.id, "name": r.name, "description": r.description, "default": r.builtin,
		"role_type": r.roleType, "created_at": ts, "updated_at": ts}
}

func (e *Emulator) listRoles(q *request) response {
	_, p, bad := listQuery(q)
	if bad != nil {
		return *bad
	}
	return pageOf(q, p, "roles", sortedIDs(e.st.roles), func(id int64) map[string]any { return e.st.roles[id].json() })
}

func (e *Emulator) getRole(q *request) response {
	r, ok := e.st.roles[q.id(0)]
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, map[string]any{"role": r.json()})
}

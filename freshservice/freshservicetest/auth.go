package freshservicetest

import (
	"fmt"
	"net/http"

	"github.com/fsscim/fsscim/freshservice"
)

// Ids of the default roles every emulated account has (GET /roles lists them).
const (
	// AccountAdminRoleID is the "Account Admin" admin role, given to the owner of an admin key.
	AccountAdminRoleID int64 = 27000000001
	// SDAgentRoleID is the "SD Agent" agent role: the owner of a non-admin key, and converted requesters.
	SDAgentRoleID int64 = 27000000002
	// AdminRoleID is the "Admin" admin role.
	AdminRoleID int64 = 27000000003
)

// apiKey is an API key and the agent whose permissions it carries: admin is true while that agent
// holds an admin role, as in Freshservice, where a key can do what its owner can.
type apiKey struct {
	ownerID int64
	admin   bool
}

// AddAPIKey registers key and creates the active agent that owns it (GET /agents/me answers that
// agent). An admin key's owner is an Account Admin and may manage agents, groups, departments and
// locations; a non-admin key's owner is an SD Agent and may manage only requesters. Adding a known
// key again gives its owner the other role and returns the same owner.
func (e *Emulator) AddAPIKey(key string, admin bool) freshservice.User {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	role := SDAgentRoleID
	if admin {
		role = AccountAdminRoleID
	}
	if k, ok := e.st.keys[key]; ok {
		if u, ok := e.st.users[k.ownerID]; ok {
			u.roles = []freshservice.Role{{RoleID: role, AssignmentScope: "entire_helpdesk"}}
			return e.model(u)
		}
	}
	n := len(e.st.keys) + 1
	email := fmt.Sprintf("api.key.%d@emulator.invalid", n)
	for _, taken := e.st.emailOwner(email); taken; _, taken = e.st.emailOwner(email) {
		n++
		email = fmt.Sprintf("api.key.%d@emulator.invalid", n)
	}
	u := &userRecord{
		id:         e.st.newID(),
		firstName:  "API",
		lastName:   fmt.Sprintf("Key %d", n),
		email:      email,
		timeFormat: defaultTimeFormat,
		lang:       defaultLanguage,
		active:     true,
		isAgent:    true,
		roles:      []freshservice.Role{{RoleID: role, AssignmentScope: "entire_helpdesk"}},
		createdAt:  now,
		updatedAt:  now,
	}
	e.st.putUser(u)
	e.st.keys[key] = apiKey{ownerID: u.id}
	return e.model(u)
}

// RevokeAPIKey makes key stop working, as an admin resetting it in Freshservice does; its owner stays.
func (e *Emulator) RevokeAPIKey(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.st.keys, key)
}

// authenticate reads Basic auth (key as username, password ignored). A key whose owner was
// deactivated, converted or forgotten no longer works; it has admin rights while its owner holds an
// admin role.
func (e *Emulator) authenticate(r *http.Request) (apiKey, bool) {
	user, _, ok := r.BasicAuth()
	if !ok {
		return apiKey{}, false
	}
	k, ok := e.st.keys[user]
	if !ok {
		return apiKey{}, false
	}
	owner, ok := e.st.users[k.ownerID]
	if !ok || !owner.active || !owner.isAgent {
		return apiKey{}, false
	}
	k.admin = e.holdsAdminRole(owner)
	return k, true
}

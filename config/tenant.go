package config

import (
	"strings"
	"time"
)

// Allowed values of the tenant file's enumerated keys.
const (
	UserTypeRequester = "requester"
	UserTypeAgent     = "agent"

	OnDisableDeactivate = "deactivate"

	OnDeleteDeactivate = "deactivate"
	OnDeleteForget     = "forget"

	GroupTargetRequesterGroups = "requester_groups"
	GroupTargetAgentGroups     = "agent_groups"
	GroupTargetNone            = "none"

	ScopeEntireHelpdesk  = "entire_helpdesk"
	ScopeMemberGroups    = "member_groups"
	ScopeSpecifiedGroups = "specified_groups"
	ScopeAssignedItems   = "assigned_items"
)

// Tenant is one Freshservice account as its tenant file describes it, validated and with every default
// filled in. A Tenant taken from a TenantSet is shared: treat it, its map and its slices as read-only.
type Tenant struct {
	// Domain is the account's host name, lower-cased; it is the tenant's key.
	Domain string
	// APIURL overrides https://<Domain>/api/v2 when not empty (see BaseURL).
	APIURL      string
	Users       UserPolicy
	Departments LookupPolicy
	Locations   LookupPolicy
	Groups      GroupPolicy
	// Attributes maps a Freshservice-extension SCIM attribute name (as written in the file; matched
	// case-insensitively, see CustomField) to a Freshservice custom_fields key.
	Attributes map[string]string
	Defaults   UserDefaults
	RateLimit  RateLimit
	Directory  DirectoryPolicy
	// DryRun asks for the writes to be logged instead of made.
	DryRun bool
	// AuditRetention is how long the tenant's audit entries are kept; 0: the server's --audit-retention.
	AuditRetention time.Duration
	// TokensNotBefore refuses tokens issued before it; zero refuses none. See TokenAllowed.
	TokensNotBefore time.Time
	// TokensRefused refuses every token: the tenant is served from the last good version of its file
	// because the newest one sets a tokens_not_before that does not parse, so the cut-off meant is
	// unknown. It clears when the file is fixed.
	TokensRefused bool
	// File is the path of the tenant file this tenant came from.
	File string
}

// UserPolicy says how SCIM users become Freshservice users.
type UserPolicy struct {
	// Type is UserTypeRequester or UserTypeAgent: what a user without isAgent becomes.
	Type string
	// OnDisable is what active=false does; only OnDisableDeactivate exists.
	OnDisable string
	// OnDelete is OnDeleteDeactivate or OnDeleteForget.
	OnDelete string
	// ReactivateExisting lets a create adopt an existing user with the same email.
	ReactivateExisting bool
	// ManageAccountAdmins lets SCIM deactivate, delete and convert to requesters the agents that hold
	// Freshservice's Account Admin role; without it such requests are refused. The agent owning the
	// tenant's API key is refused either way.
	ManageAccountAdmins bool
	AgentDefaults       AgentDefaults
}

// AgentDefaults is what a newly made agent gets.
type AgentDefaults struct {
	// Roles given to a new agent; empty means "create a requester and convert it", which Freshservice
	// turns into an occasional agent.
	Roles []AgentRole
}

// AgentRole is one Freshservice agent role assignment, in Freshservice's own field names.
type AgentRole struct {
	RoleID          int64   `yaml:"role_id" json:"role_id"`
	AssignmentScope string  `yaml:"assignment_scope" json:"assignment_scope"`
	Groups          []int64 `yaml:"groups" json:"groups,omitempty"`
}

// LookupPolicy says what to do with a department or location name Freshservice does not know.
type LookupPolicy struct {
	CreateMissing bool
}

// GroupPolicy says which Freshservice groups SCIM groups are.
type GroupPolicy struct {
	// Target is GroupTargetRequesterGroups, GroupTargetAgentGroups or GroupTargetNone.
	Target string
}

// UserDefaults are used when Entra sends no usable value. The names are checked where they are used,
// against Freshservice's own lists.
type UserDefaults struct {
	TimeZone string
	Language string
}

// RateLimit is the tenant's own share of its Freshservice call budget; 0 means learn it from
// Freshservice's response headers.
type RateLimit struct {
	PerMinute     int
	ListPerMinute int
}

// DirectoryPolicy says how fresh the tenant's directory replica is kept.
type DirectoryPolicy struct {
	// MaxStaleness bounds how long a change made in Freshservice directly (not through fsscim) takes
	// to show in fsscim's answers; 0 lets fsscim choose from the account's size and rate limit.
	MaxStaleness time.Duration
}

// Bounds of directory.max_staleness.
const (
	MinDirectoryStaleness = time.Minute
	MaxDirectoryStaleness = 24 * time.Hour
)

// BaseURL is the Freshservice API root for this tenant, without a trailing slash.
func (t *Tenant) BaseURL() string {
	if t.APIURL != "" {
		return strings.TrimRight(t.APIURL, "/")
	}
	return "https://" + t.Domain + "/api/v2"
}

// TokenAllowed reports whether a token issued at issuedAt may be used with this tenant. Tokens carry
// whole seconds, so the cut-off is compared in whole seconds too: a token issued in the same second as
// tokens_not_before is allowed, which keeps a token minted right after the cut-off usable.
func (t *Tenant) TokenAllowed(issuedAt time.Time) bool {
	if t.TokensRefused {
		return false
	}
	if t.TokensNotBefore.IsZero() {
		return true
	}
	return issuedAt.Unix() >= t.TokensNotBefore.Unix()
}

// CustomField returns the custom_fields key mapped to a Freshservice-extension attribute name. SCIM
// attribute names are case-insensitive, so the lookup is too.
func (t *Tenant) CustomField(attribute string) (string, bool) {
	if key, ok := t.Attributes[attribute]; ok {
		return key, true
	}
	for name, key := range t.Attributes {
		if strings.EqualFold(name, attribute) {
			return key, true
		}
	}
	return "", false
}

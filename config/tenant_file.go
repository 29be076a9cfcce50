package config

// tenantFile is a tenant file as written on disk. It differs from Tenant where the file needs to tell
// "absent" from "false" (reactivate_existing) or where the value is parsed and checked after decoding
// (tokens_not_before), so that validation can name the key in its message.
type tenantFile struct {
	Domain      string            `yaml:"domain"`
	APIURL      string            `yaml:"api_url"`
	Users       usersFile         `yaml:"users"`
	Departments lookupFile        `yaml:"departments"`
	Locations   lookupFile        `yaml:"locations"`
	Groups      groupsFile        `yaml:"groups"`
	Attributes  map[string]string `yaml:"attributes"`
	Defaults    defaultsFile      `yaml:"defaults"`
	RateLimit   rateLimitFile     `yaml:"rate_limit"`
	Directory   directoryFile     `yaml:"directory"`
	DryRun      bool              `yaml:"dry_run"`
	Audit       auditFile         `yaml:"audit"`
	// TokensNotBefore is kept as text so that a bad time is reported by key, not by YAML type.
	TokensNotBefore string `yaml:"tokens_not_before"`
}

type usersFile struct {
	Type               string            `yaml:"type"`
	OnDisable          string            `yaml:"on_disable"`
	OnDelete           string            `yaml:"on_delete"`
	ReactivateExisting *bool             `yaml:"reactivate_existing"`
	AgentDefaults      agentDefaultsFile `yaml:"agent_defaults"`
	// Last, so that messages listing the keys keep their order.
	ManageAccountAdmins bool `yaml:"manage_account_admins"`
}

type agentDefaultsFile struct {
	Roles []AgentRole `yaml:"roles"`
}

type lookupFile struct {
	CreateMissing bool `yaml:"create_missing"`
}

type groupsFile struct {
	Target string `yaml:"target"`
}

type defaultsFile struct {
	TimeZone string `yaml:"time_zone"`
	Language string `yaml:"language"`
}

type directoryFile struct {
	// MaxStaleness is kept as text so that a bad duration is reported by key, not by YAML type.
	MaxStaleness string `yaml:"max_staleness"`
}

type auditFile struct {
	// Retention is kept as text so that a bad duration is reported by key, not by YAML type.
	Retention string `yaml:"retention"`
}

type rateLimitFile struct {
	PerMinute     int `yaml:"per_minute"`
	ListPerMinute int `yaml:"list_per_minute"`
}

// withDefaults fills every key the file left out. It is the one place tenant defaults live; the
// sample file testdata/tenants/acme.yaml documents the same values.
func (f *tenantFile) withDefaults() {
	if f.Users.Type == "" {
		f.Users.Type = UserTypeRequester
	}
	if f.Users.OnDisable == "" {
		f.Users.OnDisable = OnDisableDeactivate
	}
	if f.Users.OnDelete == "" {
		f.Users.OnDelete = OnDeleteDeactivate
	}
	if f.Users.ReactivateExisting == nil {
		yes := true
		f.Users.ReactivateExisting = &yes
	}
	if f.Groups.Target == "" {
		f.Groups.Target = GroupTargetRequesterGroups
	}
}

package config

import (
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config/configtest"
)

func TestLoadDirSamples(t *testing.T) {
	dir := filepath.Join("..", "testdata", "tenants")
	set, err := LoadDir(dir, LoadOptions{})
	if err != nil {
		t.Fatalf("the sample tenant files must stay valid: %v", err)
	}
	if set.Len() != 2 {
		t.Fatalf("got %d tenants, want 2", set.Len())
	}

	acme, ok := set.Lookup("ACME.Freshservice.com")
	if !ok {
		t.Fatal("acme.freshservice.com not found (lookup must ignore case)")
	}
	want := &Tenant{
		Domain: "acme.freshservice.com",
		Users: UserPolicy{
			Type: UserTypeRequester, OnDisable: OnDisableDeactivate, OnDelete: OnDeleteDeactivate,
			ReactivateExisting: true,
			AgentDefaults: AgentDefaults{Roles: []AgentRole{
				{RoleID: 7, AssignmentScope: ScopeSpecifiedGroups, Groups: []int64{4, 5}},
				{RoleID: 9, AssignmentScope: ScopeAssignedItems},
			}},
		},
		Groups:          GroupPolicy{Target: GroupTargetRequesterGroups},
		Attributes:      map[string]string{"costCenter": "cost_center", "employeeNumber": "employee_id"},
		Defaults:        UserDefaults{TimeZone: "Eastern Time (US & Canada)", Language: "en"},
		RateLimit:       RateLimit{PerMinute: 200, ListPerMinute: 40},
		Directory:       DirectoryPolicy{MaxStaleness: 30 * time.Minute},
		AuditRetention:  90 * 24 * time.Hour,
		TokensNotBefore: time.Date(2025, 1, 31, 9, 0, 0, 0, time.UTC),
		File:            filepath.Join(dir, "acme.yaml"),
	}
	if !reflect.DeepEqual(acme, want) {
		t.Errorf("acme.yaml loaded as\n%+v\nwant\n%+v", acme, want)
	}
	if got := acme.BaseURL(); got != "https://acme.freshservice.com/api/v2" {
		t.Errorf("BaseURL = %q", got)
	}
}

func TestMinimalFileGetsDefaults(t *testing.T) {
	got, path := loadTenant(t, "globex.yml", "domain: Globex.Freshservice.com\n", LoadOptions{}, "globex.freshservice.com")
	want := &Tenant{
		Domain: "globex.freshservice.com",
		Users: UserPolicy{Type: UserTypeRequester, OnDisable: OnDisableDeactivate,
			OnDelete: OnDeleteDeactivate, ReactivateExisting: true},
		Groups: GroupPolicy{Target: GroupTargetRequesterGroups},
		File:   path,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestExplicitFalseIsKept(t *testing.T) {
	a, _ := loadTenant(t, "a.yaml", "domain: a.freshservice.com\nusers: {reactivate_existing: false, on_delete: forget, type: agent, manage_account_admins: true}\n",
		LoadOptions{}, "a.freshservice.com")
	if a.Users.ReactivateExisting || a.Users.OnDelete != OnDeleteForget || a.Users.Type != UserTypeAgent || !a.Users.ManageAccountAdmins {
		t.Errorf("users = %+v", a.Users)
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name, apiURL, want string
	}{
		{"default", "", "https://acme.freshservice.com/api/v2"},
		{"override", "https://proxy.example.com/fs/api/v2", "https://proxy.example.com/fs/api/v2"},
		{"trailing slash trimmed", "http://127.0.0.1:9000/api/v2/", "http://127.0.0.1:9000/api/v2"},
		{"ipv6 loopback", "http://[::1]:9000/api/v2", "http://[::1]:9000/api/v2"},
		{"localhost", "http://localhost:9000/api/v2", "http://localhost:9000/api/v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acme, _ := loadTenant(t, "acme.yaml", "domain: acme.freshservice.com\napi_url: \""+tt.apiURL+"\"\n",
				LoadOptions{AllowAPIURL: true}, "acme.freshservice.com")
			if got := acme.BaseURL(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTokenAllowed(t *testing.T) {
	cut := time.Date(2025, 1, 31, 9, 0, 0, 500_000_000, time.UTC)
	tests := []struct {
		name      string
		notBefore time.Time
		issued    time.Time
		want      bool
	}{
		{"no cut-off", time.Time{}, time.Unix(1, 0), true},
		{"issued before", cut, cut.Add(-time.Second), false},
		{"issued long before", cut, cut.AddDate(-1, 0, 0), false},
		{"issued after", cut, cut.Add(time.Minute), true},
		{"same second (tokens carry whole seconds)", cut, cut.Truncate(time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := &Tenant{TokensNotBefore: tt.notBefore}
			if got := tenant.TokenAllowed(tt.issued); got != tt.want {
				t.Errorf("TokenAllowed(%v) with not-before %v = %v, want %v", tt.issued, tt.notBefore, got, tt.want)
			}
		})
	}
}

func TestCustomFieldIgnoresCase(t *testing.T) {
	tenant := &Tenant{Attributes: map[string]string{"costCenter": "cost_center"}}
	for _, name := range []string{"costCenter", "CostCenter", "COSTCENTER"} {
		if got, ok := tenant.CustomField(name); !ok || got != "cost_center" {
			t.Errorf("CustomField(%q) = %q, %v", name, got, ok)
		}
	}
	if _, ok := tenant.CustomField("isAgent"); ok {
		t.Error("CustomField(isAgent) found a mapping that does not exist")
	}
}

// TestTenantFileMistakes loads one broken file per mistake and checks that the message names the
// file, the line, the key and the fix.
func TestTenantFileMistakes(t *testing.T) {
	const head = "domain: acme.freshservice.com\n"
	tests := []struct {
		name    string
		content string
		line    int
		key     string
		fix     string
	}{
		{"on_delete not allowed", head + "users:\n  on_delete: remove\n", 3, "users.on_delete",
			`"remove" is not allowed; use deactivate or forget`},
		{"user type not allowed", head + "users: {type: admin}\n", 2, "users.type", "use requester or agent"},
		{"on_disable not allowed", head + "users:\n  on_disable: delete\n", 3, "users.on_disable", "use deactivate"},
		{"group target not allowed", head + "groups:\n  target: teams\n", 3, "groups.target",
			"use requester_groups, agent_groups or none"},
		{"domain missing", "users: {type: agent}\n", 0, "domain", "e.g. domain: acme.freshservice.com"},
		{"domain with scheme and path", "domain: https://acme.freshservice.com/api/v2\n", 1, "domain",
			"use domain: acme.freshservice.com"},
		{"domain with port", "domain: acme.freshservice.com:443\n", 1, "domain", "use domain: acme.freshservice.com"},
		{"domain with trailing dot", "domain: acme.freshservice.com.\n", 1, "domain", "use domain: acme.freshservice.com"},
		{"domain not a host name", "domain: acme corp\n", 1, "domain", "is not a host name"},
		{"api_url plain http", head + "api_url: http://fs.example.com/api/v2\n", 2, "api_url",
			"use https://fs.example.com/api/v2"},
		{"api_url relative", head + "api_url: /api/v2\n", 2, "api_url", "is not an absolute URL"},
		{"api_url other scheme", head + "api_url: ftp://fs.example.com/\n", 2, "api_url", "use https://fs.example.com/"},
		{"api_url with query", head + "api_url: https://fs.example.com/api/v2?x=1\n", 2, "api_url",
			"use https://fs.example.com/api/v2"},
		{"attribute name", head + "attributes:\n  1st: first\n", 3, "attributes.1st", "start with a letter"},
		{"attribute isAgent", head + "attributes:\n  isAgent: is_agent\n", 3, "attributes.isAgent",
			"remove it from attributes"},
		{"attribute location any case", head + "attributes:\n  Location: office\n", 3, "attributes.Location",
			"remove it from attributes"},
		{"attribute twice by case", head + "attributes:\n  costCenter: cost_center\n  costcenter: cost_centre\n", 4,
			"attributes.costcenter", "keep one"},
		{"custom field label", head + "attributes:\n  costCenter: Cost Center\n", 3, "attributes.costCenter",
			"e.g. cost_center"},
		{"custom field empty", head + "attributes:\n  costCenter: \"\"\n", 3, "attributes.costCenter",
			"write e.g. costCenter: costcenter"},
		{"custom field twice", head + "attributes:\n  a: cost_center\n  b: cost_center\n", 4, "attributes.b",
			"map each custom field once"},
		{"rate limit negative", head + "rate_limit: {per_minute: -5}\n", 2, "rate_limit.per_minute", "use 0"},
		{"list rate limit negative", head + "rate_limit:\n  list_per_minute: -1\n", 3, "rate_limit.list_per_minute", "use 0"},
		{"staleness not a duration", head + "directory:\n  max_staleness: an hour\n", 3, "directory.max_staleness", "use e.g. 15m"},
		{"staleness too short", head + "directory: {max_staleness: 10s}\n", 2, "directory.max_staleness", "outside 1m0s to 24h0m0s"},
		{"audit retention not a duration", head + "audit:\n  retention: a quarter\n", 3, "audit.retention", "write e.g. retention: 90d"},
		{"audit retention too short", head + "audit: {retention: 2h}\n", 2, "audit.retention", "outside 1d to 3650d"},
		{"role id missing", head + "users:\n  agent_defaults:\n    roles:\n      - assignment_scope: entire_helpdesk\n",
			5, "users.agent_defaults.roles[0].role_id", "GET /api/v2/roles"},
		{"role scope not allowed", head + "users:\n  agent_defaults:\n    roles:\n      - role_id: 3\n        assignment_scope: everything\n",
			6, "users.agent_defaults.roles[0].assignment_scope",
			"use entire_helpdesk, member_groups, specified_groups or assigned_items"},
		{"role scope missing", head + "users:\n  agent_defaults:\n    roles: [{role_id: 3}]\n",
			4, "users.agent_defaults.roles[0].assignment_scope", "missing; use entire_helpdesk"},
		{"specified groups without groups", head + "users:\n  agent_defaults:\n    roles: [{role_id: 3, assignment_scope: specified_groups}]\n",
			4, "users.agent_defaults.roles[0].groups", "groups: [12, 15]"},
		{"groups with another scope", head + "users:\n  agent_defaults:\n    roles: [{role_id: 3, assignment_scope: member_groups, groups: [1]}]\n",
			4, "users.agent_defaults.roles[0].groups", "remove groups or change the scope"},
		{"group id not positive", head + "users:\n  agent_defaults:\n    roles:\n    - role_id: 3\n      assignment_scope: specified_groups\n      groups:\n      - 0\n",
			8, "users.agent_defaults.roles[0].groups[0]", "use the positive id"},
		{"tokens_not_before not a time", head + "tokens_not_before: yesterday\n", 2, "tokens_not_before",
			"tokens_not_before: 2025-01-31T09:00:00Z"},
		{"unknown top-level key", head + "dryrun: true\n", 2, "dryrun", "did you mean dry_run?"},
		{"unknown nested key", head + "users:\n  type: agent\n  on_delet: forget\n", 4, "users.on_delet",
			"did you mean on_delete?"},
		{"unknown key in flow mapping", head + "rate_limit: {per_minute: 10, burst: 20}\n", 2, "rate_limit.burst",
			"remove it or use one of: per_minute, list_per_minute"},
		{"unknown key in a role", head + "users:\n  agent_defaults:\n    roles:\n      - role_id: 3\n        assignment_scope: entire_helpdesk\n        group_ids: [1]\n",
			7, "users.agent_defaults.roles[0].group_ids", "role_id, assignment_scope, groups"},
		{"number expected", head + "rate_limit:\n  per_minute: many\n", 3, "rate_limit.per_minute",
			`"many" is not a whole number`},
		{"boolean expected", head + "users:\n  reactivate_existing: sometimes\n", 3, "users.reactivate_existing",
			"write true or false"},
		{"mapping expected", head + "users: requester\n", 2, "users",
			"must be a mapping with the keys type, on_disable, on_delete, reactivate_existing, agent_defaults"},
		{"list expected", head + "users:\n  agent_defaults:\n    roles: admin\n", 4, "users.agent_defaults.roles",
			"must be a list"},
		{"text expected in a flow mapping", head + "attributes: {costCenter: {name: cost_center}}\n", 2,
			"attributes.costCenter", "must be a single value, not a mapping"},
		{"text expected, nested mapping given", "domain: {host: {name: acme}}\n", 1, "domain",
			"must be a single value, not a mapping"},
		{"key twice", head + "dry_run: true\ndry_run: false\n", 3, "dry_run", "keep only one"},
		{"not a mapping", "- acme.freshservice.com\n", 1, "", "must be a YAML mapping"},
		{"bad YAML", head + "users:\n  type: agent\n   on_delete: forget\n", 4, "", "not valid YAML"},
		// yaml.v3 names the line before these mistakes, or where their block or flow starts.
		{"key indented with a tab", head + "users:\n  type: agent\n\ton_delete: forget\n", 4, "",
			"indented with a tab; YAML indents with spaces only"},
		{"first key of a block indented with a tab", head + "users:\n\ttype: agent\n", 3, "",
			"indented with a tab"},
		{"spaces then a tab", head + "users:\n  type: agent\n  \ton_delete: forget\n", 4, "", "indented with a tab"},
		{"key indented less than its block", head + "users:\n  type: agent\n on_delete: forget\n", 4, "",
			"not valid YAML"},
		{"flow mapping never closed", head + "users: {type: agent\ngroups: {}\n", 2, "", "not valid YAML"},
		{"colon missing", head + "\nusers\n  type: agent\n", 3, "", "not valid YAML"},
		{"empty file", "# nothing yet\n", 0, "", "the file is empty"},
		{"two documents", head + "---\ndomain: other.freshservice.com\n", 2, "", "keep one tenant per file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			configtest.WriteTenant(t, dir, "acme.yaml", tt.content)
			set, err := LoadDir(dir, LoadOptions{AllowAPIURL: true})
			if err == nil {
				t.Fatalf("no error for\n%s", tt.content)
			}
			if set.Len() != 0 {
				t.Errorf("a broken file was served: %v", set.All())
			}
			errs := fileErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("want exactly one problem, got %d:\n%v", len(errs), err)
			}
			fe := errs[0]
			if fe.File != "acme.yaml" || fe.Line != tt.line || fe.Key != tt.key {
				t.Errorf("problem at file %q line %d key %q; want acme.yaml line %d key %q\n%v",
					fe.File, fe.Line, fe.Key, tt.line, tt.key, fe)
			}
			msg := err.Error()
			prefix := "acme.yaml: "
			if tt.line > 0 {
				prefix = "acme.yaml:" + strconv.Itoa(tt.line) + ": "
			}
			if tt.key != "" {
				prefix += tt.key + ": "
			}
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("message %q does not start with %q", msg, prefix)
			}
			if !strings.Contains(msg, tt.fix) {
				t.Errorf("message %q does not say %q", msg, tt.fix)
			}
		})
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	dir := t.TempDir()
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\nusers:\n  on_delete: remove\n  type: admin\nrate_limit: {per_minute: -1}\n")
	configtest.WriteTenant(t, dir, "beta.yaml", "domain: beta.freshservice.com\nusers: {colour: blue}\nextra: 1\n"+
		"rate_limit: {list_per_minute: lots}\ngroups: {target: teams}\n")
	configtest.WriteTenant(t, dir, "good.yaml", "domain: good.freshservice.com\n")
	set, err := LoadDir(dir, LoadOptions{})
	got := map[string]int{}
	for _, fe := range fileErrors(t, err) {
		got[fe.File+" "+fe.Key]++
	}
	want := map[string]int{
		"acme.yaml users.on_delete": 1, "acme.yaml users.type": 1, "acme.yaml rate_limit.per_minute": 1,
		"beta.yaml users.colour": 1, "beta.yaml extra": 1, "beta.yaml rate_limit.list_per_minute": 1,
		"beta.yaml groups.target": 1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %v, want %v\n%v", got, want, err)
	}
	if _, ok := set.Lookup("good.freshservice.com"); !ok || set.Len() != 1 {
		t.Errorf("the valid file must still be served; have %v", set.All())
	}
}

func TestCredentialsInAPIURLAreNotRepeated(t *testing.T) {
	for _, opts := range []LoadOptions{{}, {AllowAPIURL: true}} {
		dir := t.TempDir()
		configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\napi_url: https://admin:s3cretpass@fs.example.com/api/v2\n")
		_, err := LoadDir(dir, opts)
		if err == nil || !strings.Contains(err.Error(), "api_url") {
			t.Fatalf("%+v: want an api_url error, got %v", opts, err)
		}
		if strings.Contains(err.Error(), "s3cretpass") {
			t.Errorf("%+v: the message repeats the password: %v", opts, err)
		}
	}
}

func TestDuplicateDomainNamesBothFiles(t *testing.T) {
	dir := t.TempDir()
	configtest.WriteTenant(t, dir, "a-acme.yaml", "domain: acme.freshservice.com\ndry_run: true\n")
	configtest.WriteTenant(t, dir, "b-acme.yml", "# same account\ndomain: ACME.freshservice.com\n")
	set, err := LoadDir(dir, LoadOptions{})
	errs := fileErrors(t, err)
	if len(errs) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	msg := errs[0].Error()
	for _, want := range []string{"b-acme.yml:2: domain: ", "a-acme.yaml", "acme.freshservice.com", "delete one"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %q", msg, want)
		}
	}
	acme, ok := set.Lookup("acme.freshservice.com")
	if !ok || !acme.DryRun || set.Len() != 1 {
		t.Errorf("the first file must be kept; got %+v", set.All())
	}
}

func TestLoadDirSkipsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	configtest.WriteTenant(t, dir, "acme.YAML", "domain: acme.freshservice.com\n")
	configtest.WriteTenant(t, dir, "notes.txt", "not a tenant")
	configtest.WriteTenant(t, dir, ".#acme.yaml", "editor lock file")
	configtest.WriteTenant(t, dir, "acme.yaml.swp", "editor swap file")
	set, err := LoadDir(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 1 {
		t.Errorf("tenants = %v", set.All())
	}
}

func TestLoadDirMissingFolder(t *testing.T) {
	set, err := LoadDir(filepath.Join(t.TempDir(), "nope"), LoadOptions{})
	if err == nil || set != nil {
		t.Fatalf("LoadDir of a missing folder = %v, %v", set, err)
	}
	if !strings.Contains(err.Error(), "tenants folder") {
		t.Errorf("error does not say what it was reading: %v", err)
	}
}

package dialect

import (
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/mapping"
)

// TestSchemasKnownMemo checks that the memoised answer is the parsed one, asked first and again, and
// that a tenant file with another custom attribute gets schemas of its own.
func TestSchemasKnownMemo(t *testing.T) {
	tenant := &config.Tenant{Domain: "memo.freshservice.com", Attributes: map[string]string{"costCenter": "cf_cost_center"}}
	ext := mapping.SchemaFreshservice + ":"
	tests := []struct {
		name     string
		resource string
		path     string
		want     bool
	}{
		{"core attribute", "Users", "userName", true},
		{"core attribute, other case", "Users", "USERNAME", true},
		{"sub-attribute", "Users", "name.familyName", true},
		{"unknown sub-attribute", "Users", "name.nickname", false},
		{"value filter", "Users", `emails[type eq "work"].value`, true},
		{"externalId", "Users", "externalId", true},
		{"enterprise manager", "Users", mapping.SchemaEnterprise + ":manager", true},
		{"custom attribute", "Users", ext + "costCenter", true},
		{"undeclared custom attribute", "Users", ext + "building", false},
		{"unknown schema", "Users", "urn:example:ext:1.0:User:x", false},
		{"unknown attribute", "Users", "favouriteColour", false},
		{"unparsable path goes on to the library", "Users", "name..x", true},
		{"group members", "Groups", "members", true},
		{"user attribute on a group", "Groups", "userName", false},
	}
	users, groups := fzSchemas(tenant, Users), fzSchemas(tenant, Groups)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := users
			if tt.resource == "Groups" {
				k = groups
			}
			for round := range 2 {
				if got := k.Known(tt.path); got != tt.want {
					t.Errorf("round %d: known(%q) = %v, want %v", round, tt.path, got, tt.want)
				}
			}
		})
	}

	changed := &config.Tenant{Domain: tenant.Domain, Attributes: map[string]string{"building": "cf_building"}}
	if !fzSchemas(changed, Users).Known(ext + "building") {
		t.Errorf("a new tenant file's custom attribute is unknown")
	}
	if long := strings.Repeat("a", knownMemoMaxPath+1); users.Known(long) || users.memo.Contains(long) {
		t.Errorf("an over-long path was known or memoised")
	}
}

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
	tenant := costCenterTenant("memo.freshservice.com")
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

// TestPatchPathsParsedOnce: a PATCH decoded again with the same paths gives the same operations, and
// the same error for a path that does not parse, from the parsed-path memo; every operation holds
// its own copy of a remembered path.
func TestPatchPathsParsedOnce(t *testing.T) {
	users := fzSchemas(&config.Tenant{Domain: "memo.freshservice.com"}, Users)
	body := func(paths ...string) map[string]any {
		ops := make([]any, len(paths))
		for i, p := range paths {
			ops[i] = map[string]any{"op": "replace", "path": p, "value": "x"}
		}
		return map[string]any{"schemas": []any{mapping.SchemaPatchOp}, "Operations": ops}
	}
	paths := []string{"title", `emails[type eq "work"].value`, "name.givenName", "title"}
	first, _, err := Patch(body(paths...), Users, users)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := Patch(body(paths...), Users, users)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(paths) || len(second) != len(paths) {
		t.Fatalf("decoded %d and %d operations of %d", len(first), len(second), len(paths))
	}
	for i := range first {
		if first[i].Path.String() != second[i].Path.String() {
			t.Errorf("operation %d: %s, then %s", i, first[i].Path, second[i].Path)
		}
	}
	if first[0].Path == first[3].Path || first[0].Path == second[0].Path {
		t.Error("operations share one parsed path")
	}
	if users.paths.Len() != 3 {
		t.Errorf("%d paths remembered, want the 3 different ones", users.paths.Len())
	}
	for round := range 2 {
		_, _, err := Patch(body(`emails[type eq "work"`), Users, users)
		if err == nil || !strings.Contains(err.Error(), "does not parse") {
			t.Errorf("round %d: a path that does not parse gave %v", round, err)
		}
	}
}

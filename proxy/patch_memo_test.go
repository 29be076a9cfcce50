package proxy

import (
	"fmt"
	"testing"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/mapping"
	filter "github.com/scim2/filter-parser/v2"
)

// TestPatchMemoAnswersAsTheCheckItSaves: checking PATCH operations through the memo, first (filling
// it) and again (answered from it), gives what checking them without a memo gives, errors included,
// for the same path under different ops.
func TestPatchMemoAnswersAsTheCheckItSaves(t *testing.T) {
	sf, err := newSurfaces(zap.NewNop()).of(&config.Tenant{Domain: "a.freshservice.com",
		Groups: config.GroupPolicy{Target: config.GroupTargetRequesterGroups}, Attributes: map[string]string{"badge": "badge_no"}})
	if err != nil {
		t.Fatal(err)
	}
	type check struct {
		rt       resourceType
		op, path string
		value    any
	}
	var checks []check
	users := []string{"title", "name.givenName", `emails[type eq "work"].value`, `emails[type eq "work"]`, "emails",
		`emails[nosuch eq "x"]`, "nosuch", "name.nosuch", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
		"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badge", "urn:ietf:params:scim:schemas:extension:other:2.0:User:x",
		"active", "externalId"}
	for _, p := range users {
		for _, op := range []string{"add", "replace", "remove"} {
			checks = append(checks, check{sf.users, op, p, "x"}, check{sf.users, op, p, nil})
		}
	}
	for _, p := range []string{"members", `members[value eq "1"]`, `members[display eq "x"]`, `members[nosuch eq "x"]`, "displayName"} {
		for _, op := range []string{"add", "replace", "remove"} {
			checks = append(checks, check{*sf.groups, op, p, []any{map[string]any{"value": "1"}}})
		}
	}
	// Path-less operations parse their keys through the memo too.
	pathless := map[string]any{"title": "x", "name.familyName": "y", "bad[[": "z"}

	answer := func(rt resourceType, c check) string {
		path, err := filter.ParsePath([]byte(c.path))
		if err != nil {
			t.Fatalf("%s does not parse: %v", c.path, err)
		}
		out, err := rt.validatePatch([]mapping.PatchOp{{Op: c.op, Path: &path, Value: c.value}})
		return fmt.Sprintf("%v %v", out, err)
	}
	for round := 1; round <= 2; round++ {
		for _, c := range checks {
			plain := c.rt
			plain.memo = nil
			if got, want := answer(c.rt, c), answer(plain, c); got != want {
				t.Errorf("round %d, %s %s: with the memo %s, without %s", round, c.op, c.path, got, want)
			}
		}
		plain := sf.users
		plain.memo = nil
		got, gotErr := sf.users.validatePatch([]mapping.PatchOp{{Op: "replace", Value: pathless}})
		want, wantErr := plain.validatePatch([]mapping.PatchOp{{Op: "replace", Value: pathless}})
		if fmt.Sprint(got, gotErr) != fmt.Sprint(want, wantErr) {
			t.Errorf("round %d, path-less: with the memo %v %v, without %v %v", round, got, gotErr, want, wantErr)
		}
	}
	if sf.users.memo.attrs.Len() == 0 || sf.users.memo.parsed.Len() == 0 {
		t.Error("the memo stayed empty")
	}
}

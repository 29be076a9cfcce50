package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/proxy/proxytest/golden"
)

// checkRequest compares a request body with testdata/requests/<name>.json, keys sorted so the file
// does not follow the order of a struct's fields.
func checkRequest(t *testing.T, name string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", name, err, body)
	}
	golden.Value(t, filepath.Join("testdata", "requests", name+".json"), v)
}

func TestRequestBodies(t *testing.T) {
	departments := []string{"Sales", "Engineering"}
	users := makeUsers(2, "", departments, dialectBoth)
	legacy, flagged := users[0], users[1]
	if !legacy.legacy || flagged.legacy {
		t.Fatalf("dialect both: user 0 should speak legacy and user 1 the flag dialect, got %v, %v", legacy.legacy, flagged.legacy)
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"create_legacy", createBody(legacy)},
		{"create_flag", createBody(flagged)},
		{"patch_legacy", patchBody(legacy, changed(legacy, departments, 0))},
		{"patch_flag", patchBody(flagged, changed(flagged, departments, 1))},
		{"disable_legacy", disableBody(true)},
		{"disable_flag", disableBody(false)},
		{"group_create", groupCreateBody(groupName("", 3), guid("group", 3))},
		{"group_add_members_legacy", addMembersBody([]string{"21000000002", "21000000003"}, true)},
		{"group_add_members_flag", addMembersBody([]string{"21000000002"}, false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRequest(t, tt.name, tt.body) })
	}
}

func TestPatchBodySendsOnlyWhatChanged(t *testing.T) {
	u := makeUsers(1, "", []string{"Sales"}, dialectLegacy)[0]
	now := u
	now.title = "Director"
	tests := []struct {
		name   string
		legacy bool
		want   string
	}{
		{"legacy", true, `{"Operations":[{"op":"Replace","path":"title","value":"Director"}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{"flag", false, `{"Operations":[{"op":"replace","value":{"title":"Director"}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			was, to := u, now
			was.legacy, to.legacy = tt.legacy, tt.legacy
			if got := string(patchBody(was, to)); got != tt.want {
				t.Errorf("patchBody = %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLookupPathEncodesAsEntra(t *testing.T) {
	got := lookupPath("ada.lovelace@contoso.com")
	want := "/Users?filter=userName+eq+%22ada.lovelace%40contoso.com%22"
	if got != want {
		t.Errorf("lookupPath = %s, want %s", got, want)
	}
	if g := groupLookupPath("Load Group 001"); !strings.HasPrefix(g, "/Groups?excludedAttributes=members&filter=displayName+eq+%22Load+Group+001%22") {
		t.Errorf("groupLookupPath = %s", g)
	}
}

func TestMakeUsersAreUniqueAndValid(t *testing.T) {
	users := makeUsers(1000, "ab12", nil, dialectFlag)
	seen := map[string]bool{}
	ids := map[string]bool{}
	for _, u := range users {
		if seen[u.userName] || ids[u.externalID] {
			t.Fatalf("duplicate user %q / %q", u.userName, u.externalID)
		}
		seen[u.userName], ids[u.externalID] = true, true
		if !strings.Contains(u.userName, ".ab12@") {
			t.Fatalf("run id missing from %q", u.userName)
		}
		for _, r := range strings.Split(u.userName, "@")[0] {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.') {
				t.Fatalf("email local part %q holds %q", u.userName, r)
			}
		}
		if u.legacy {
			t.Fatalf("dialect flag made a legacy user")
		}
	}
}

func TestDifferences(t *testing.T) {
	u := makeUsers(1, "", []string{"Sales"}, dialectFlag)[0]
	var same scimUser
	same.UserName, same.ExternalID, same.Title = u.userName, u.externalID, u.title
	same.Name.GivenName, same.Name.FamilyName = u.given, u.family
	same.Enterprise.Department = u.department
	same.PhoneNumbers = append(same.PhoneNumbers, struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}{"work", u.phone})
	if d := differences(u, same); len(d) != 0 {
		t.Errorf("identical user reported different: %v", d)
	}
	other := same
	other.Title = "Something else"
	other.PhoneNumbers = nil
	d := differences(u, other)
	if len(d) != 2 || !strings.HasPrefix(d[0], "title:") || !strings.HasPrefix(d[1], pathWorkPhone) {
		t.Errorf("differences = %v, want title and work phone", d)
	}
}

package mapping_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
)

// groupBodyCase is a request body and what the function under test makes of it.
type groupBodyCase[T any] struct {
	name string
	body string
	want T
}

// checkGroupBodies calls apply, the function named fn, on each case's body and compares its answer
// with the case's; show prints an answer.
func checkGroupBodies[T any](t *testing.T, fn string, apply func(*testing.T, string) (T, error), show func(T) string, tests []groupBodyCase[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apply(t, tt.body)
			if err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s\n got %s\nwant %s", fn, show(got), show(tt.want))
			}
		})
	}
}

func TestGroupFromAttributes(t *testing.T) {
	fromBody := func(t *testing.T, body string) (mapping.Group, error) {
		return mapping.GroupFromAttributes(mappingtest.DecodeBody(t, body))
	}
	show := func(g mapping.Group) string { return fmt.Sprintf("%+v", g) }
	checkGroupBodies(t, "GroupFromAttributes", fromBody, show, []groupBodyCase[mapping.Group]{
		{
			// Entra creates a group without members, with an extra Microsoft schema URI.
			name: "Entra create",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
				"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`,
			want: mapping.Group{DisplayName: "displayName", ExternalID: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"},
		},
		{
			name: "members with null $ref and display text",
			body: `{"displayName":"Sales","members":[{"$ref":null,"value":"42","display":"Ann Lee"},{"value":"43","type":"User"}]}`,
			want: mapping.Group{DisplayName: "Sales", Members: []mapping.Member{{Value: "42", Display: "Ann Lee"}, {Value: "43"}}},
		},
		{
			name: "attribute names in any case, description, empty members",
			body: `{"DISPLAYNAME":"Ops","ExternalID":"e","description":"Night shift","members":[]}`,
			want: mapping.Group{DisplayName: "Ops", ExternalID: "e", Description: "Night shift", Members: []mapping.Member{}},
		},
	})
}

func TestGroupFromAttributesErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		mention string
	}{
		{"no displayName", `{"externalId":"x"}`, "displayName"},
		{"blank displayName", `{"displayName":"  "}`, "displayName"},
		{"displayName is a boolean", `{"displayName":true}`, "displayName"},
		{"member without value", `{"displayName":"G","members":[{"display":"Ann"}]}`, "members[0].value"},
		{"member is a boolean", `{"displayName":"G","members":[{"value":"1"},false]}`, "members[1]"},
		{"member id is a number", `{"displayName":"G","members":[{"value":43}]}`, "members[0].value"},
		{"members is one object", `{"displayName":"G","members":{"value":"9"}}`, "members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mapping.GroupFromAttributes(mappingtest.DecodeBody(t, tt.body))
			mappingtest.CheckBadRequest(t, err, scimerrors.ScimTypeInvalidValue, tt.mention)
		})
	}
}

func TestGroupToAttributes(t *testing.T) {
	full := mapping.Group{ID: "7", DisplayName: "Sales", ExternalID: "8aa1", Description: "EMEA sales",
		Members: []mapping.Member{{Value: "42", Display: "Ann Lee"}, {Value: "43"}}}
	tests := []struct {
		name        string
		group       mapping.Group
		withMembers bool
		golden      string
	}{
		{"lookup leaves members out", full, false, "group_without_members.json"},
		{"with members", full, true, "group_with_members.json"},
		{"new group answers an empty member list", mapping.Group{ID: "8", DisplayName: "New"}, true, "group_new.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(mapping.GroupToAttributes(tt.group, tt.withMembers), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "groups", tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("attributes\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestGroupAttributesRoundTrip(t *testing.T) {
	g := mapping.Group{DisplayName: "Sales", ExternalID: "x", Description: "d", Members: []mapping.Member{{Value: "42", Display: "Ann"}}}
	b, err := json.Marshal(mapping.GroupToAttributes(g, true))
	if err != nil {
		t.Fatal(err)
	}
	back, err := mapping.GroupFromAttributes(mappingtest.DecodeBody(t, string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, g) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, g)
	}
}

func groupTestString(s string) *string { return &s }

func groupTestList(ids ...string) *[]string {
	if ids == nil {
		ids = []string{}
	}
	return &ids
}

func TestApplyGroupPatch(t *testing.T) {
	fromBody := func(t *testing.T, body string) (mapping.GroupChange, error) {
		return mapping.ApplyGroupPatch(patchTestOps(t, body))
	}
	checkGroupBodies(t, "ApplyGroupPatch", fromBody, groupTestShow, []groupBodyCase[mapping.GroupChange]{
		// Entra's group create.
		{
			name: "add members in a batch with null $ref",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members",
				"value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"},{"$ref":null,"value":"a1"}]}]}`,
			want: mapping.GroupChange{Add: []string{"f648f8d5ea4e4cd38e9c", "a1"}},
		},
		{
			name: "legacy remove members with a value array",
			body: `{"Operations":[{"op":"remove","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}]}`,
			want: mapping.GroupChange{Remove: []string{"f648f8d5ea4e4cd38e9c"}},
		},
		{
			name: "flagged remove member by filter",
			body: `{"Operations":[{"op":"remove","path":"members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]"}]}`,
			want: mapping.GroupChange{Remove: []string{"7f4bc1a3-285e-48ae-8202-5accb43efb0e"}},
		},
		{
			name: "remove members by a filter with or",
			body: `{"Operations":[{"op":"remove","path":"members[value eq \"1\" or value eq \"2\"]"}]}`,
			want: mapping.GroupChange{Remove: []string{"1", "2"}},
		},
		{
			name: "validator add member with replace replaces the list",
			body: `{"Operations":[{"op":"replace","path":"members","value":[{"value":"42"}]}]}`,
			want: mapping.GroupChange{Replace: groupTestList("42")},
		},
		{
			name: "replace members with an empty list",
			body: `{"Operations":[{"op":"replace","path":"members","value":[]}]}`,
			want: mapping.GroupChange{Replace: groupTestList()},
		},
		{
			name: "remove members without value or filter removes all",
			body: `{"Operations":[{"op":"remove","path":"members"}]}`,
			want: mapping.GroupChange{Replace: groupTestList()},
		},
		{
			name: "rename by path",
			body: `{"Operations":[{"op":"replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`,
			want: mapping.GroupChange{DisplayName: groupTestString("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName")},
		},
		{
			name: "validator path-less rename and externalId",
			body: `{"Operations":[{"op":"replace","value":{"displayName":"New name"}},{"op":"replace","value":{"externalId":"ext-9"}}]}`,
			want: mapping.GroupChange{DisplayName: groupTestString("New name"), ExternalID: groupTestString("ext-9")},
		},
		{
			name: "path-less with id and members",
			body: `{"Operations":[{"op":"add","value":{"id":"7","displayName":"Q","members":[{"value":"1"}]}}]}`,
			want: mapping.GroupChange{DisplayName: groupTestString("Q"), Add: []string{"1"}},
		},
		{
			name: "a URN-qualified path",
			body: `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:Group:displayName","value":"Q"}]}`,
			want: mapping.GroupChange{DisplayName: groupTestString("Q")},
		},
		{
			name: "validator multiple ops on the same member: add then remove",
			body: `{"Operations":[{"op":"add","path":"members","value":[{"value":"42"}]},
				{"op":"remove","path":"members[value eq \"42\"]"}]}`,
			want: mapping.GroupChange{Remove: []string{"42"}},
		},
		{
			name: "remove then add the same member",
			body: `{"Operations":[{"op":"remove","path":"members","value":[{"value":"42"},{"value":"43"}]},
				{"op":"add","path":"members","value":[{"value":"42"}]}]}`,
			want: mapping.GroupChange{Add: []string{"42"}, Remove: []string{"43"}},
		},
		{
			name: "add and remove after a replace edit the new list",
			body: `{"Operations":[{"op":"replace","path":"members","value":[{"value":"1"},{"value":"2"}]},
				{"op":"add","path":"members","value":[{"value":"3"},{"value":"1"}]},{"op":"remove","path":"members[value eq \"2\"]"}]}`,
			want: mapping.GroupChange{Replace: groupTestList("1", "3")},
		},
		{
			name: "duplicate ids in one batch are added once",
			body: `{"Operations":[{"op":"add","path":"members","value":[{"value":"5"},{"value":"5"}]}]}`,
			want: mapping.GroupChange{Add: []string{"5"}},
		},
		{
			name: "remove externalId clears it",
			body: `{"Operations":[{"op":"remove","path":"externalId"}]}`,
			want: mapping.GroupChange{ExternalID: groupTestString("")},
		},
		{
			name: "unmapped attributes are reported",
			body: `{"Operations":[{"op":"replace","value":{"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group:x":"y","displayName":"G"}},
				{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"x"}]}`,
			want: mapping.GroupChange{DisplayName: groupTestString("G"), Ignored: []string{
				"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group:x",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}},
		},
	})
}

func groupTestShow(c mapping.GroupChange) string {
	b, _ := json.Marshal(c)
	return string(b)
}

func TestApplyGroupPatchErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		scimType scimerrors.ScimType
		mention  string
	}{
		{"remove displayName", `{"Operations":[{"op":"remove","path":"displayName"}]}`, scimerrors.ScimTypeInvalidValue, "displayName"},
		{"empty displayName", `{"Operations":[{"op":"replace","value":{"displayName":""}}]}`, scimerrors.ScimTypeInvalidValue, "displayName"},
		{"displayName is a boolean", `{"Operations":[{"op":"replace","path":"displayName","value":false}]}`, scimerrors.ScimTypeInvalidValue, "false"},
		{"member without value", `{"Operations":[{"op":"add","path":"members","value":[{"display":"x"}]}]}`, scimerrors.ScimTypeInvalidValue, "members[0].value"},
		{"unsupported members filter", `{"Operations":[{"op":"remove","path":"members[value ne \"1\"]"}]}`, scimerrors.ScimTypeInvalidFilter, "members"},
		{"unknown op", `{"Operations":[{"op":"merge","path":"displayName","value":"x"}]}`, scimerrors.ScimTypeInvalidValue, "merge"},
		{"path-less remove", `{"Operations":[{"op":"remove","value":{"members":[]}}]}`, scimerrors.ScimTypeNoTarget, "path"},
		{"path-less value not an object", `{"Operations":[{"op":"add","value":["x"]}]}`, scimerrors.ScimTypeInvalidValue, "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mapping.ApplyGroupPatch(patchTestOps(t, tt.body))
			mappingtest.CheckBadRequest(t, err, tt.scimType, tt.mention)
		})
	}
}

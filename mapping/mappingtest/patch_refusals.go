package mappingtest

import (
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
)

// UserPatchRefusal is a PATCH request body that is refused with a SCIM 400 of ScimType whose detail
// names each of Mentions (the attribute and the value); nothing of it is applied.
type UserPatchRefusal struct {
	Name     string
	Body     string
	ScimType scimerrors.ScimType
	Mentions []string
}

// Refusal is a UserPatchRefusal, for tables of them outside this package.
func Refusal(name, body string, scimType scimerrors.ScimType, mentions ...string) UserPatchRefusal {
	return UserPatchRefusal{Name: name, Body: body, ScimType: scimType, Mentions: mentions}
}

// UserPatchRefusals are PATCH bodies that mapping refuses as they are, and that the dialect hands on
// unchanged, to be refused alike.
func UserPatchRefusals() []UserPatchRefusal {
	return []UserPatchRefusal{
		{"active not a boolean", `{"Operations":[{"op":"replace","path":"active","value":"maybe"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", "maybe"}},
		{"displayName is an object without value", `{"Operations":[{"op":"replace","value":{"displayName":{"x":1}}}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"displayName", `{"x":1}`}},
		{"manager is a boolean", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":true}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"manager", "true"}},
		{"isAgent is a number", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":1}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"isAgent", "1"}},
		{"isAgent is neither true nor false", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"yes"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"isAgent", "yes"}},
		{"custom attribute is an array", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCentre","value":["a","b"]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"costCentre", `["a","b"]`}},
		{"work email is an array of two", `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":["a","b"]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"emails", `["a","b"]`}},
		{"emails element is a boolean", `{"Operations":[{"op":"replace","path":"emails","value":[true]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"emails", "true"}},
		{"replace with a value filter matching no value", `{"Operations":[{"op":"replace","path":"emails[value eq \"nobody@example.com\"].value","value":"x@example.com"}]}`,
			scimerrors.ScimTypeNoTarget, []string{"emails", "nobody@example.com"}},
		{"replace with a type and value filter matching no value", `{"Operations":[{"op":"replace","path":"phoneNumbers[type eq \"work\" and value eq \"000\"].value","value":"1"}]}`,
			scimerrors.ScimTypeNoTarget, []string{"phoneNumbers"}},
		{"remove without path", `{"Operations":[{"op":"remove","value":{"title":"x"}}]}`,
			scimerrors.ScimTypeNoTarget, []string{"path"}},
		{"path-less value is not an object", `{"Operations":[{"op":"replace","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{`"x"`}},
		{"long value is shortened in the detail", `{"Operations":[{"op":"replace","path":"active","value":"` + strings.Repeat("é", 200) + `"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", "…"}},
	}
}

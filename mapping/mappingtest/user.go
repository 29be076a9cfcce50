package mappingtest

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/fsscim/fsscim/mapping"
)

// BaseUser is the user most PATCH cases start from: every mapped attribute set.
func BaseUser() mapping.User {
	agent := false
	return mapping.User{
		ID: "42", UserName: "Test_User@contoso.com", ExternalID: "ext-1",
		GivenName: "Given", FamilyName: "Family", DisplayName: "Given Family", Title: "Engineer",
		WorkEmail: "work@contoso.com", WorkPhone: "555-0100", MobilePhone: "555-0199",
		WorkAddress: "1 Main St", TimeZone: "America/New_York", Locale: "en-US",
		PreferredLanguage: "en-US", Active: true, Department: "IT", ManagerID: "7", Location: "HQ",
		IsAgent: &agent, Custom: map[string]any{"costCentre": "CC-1"},
	}
}

// BaseWith returns the base user changed by edit.
func BaseWith(edit func(*mapping.User)) mapping.User {
	u := BaseUser()
	edit(&u)
	return u
}

// Fields is the set of fs.
func Fields(fs ...mapping.Field) mapping.FieldSet {
	var s mapping.FieldSet
	for _, f := range fs {
		s.Add(f)
	}
	return s
}

// Bool points at b.
func Bool(b bool) *bool { return &b }

// CheckBadRequest checks that err is a SCIM 400 error of scimType whose detail names each of
// mentions. It must be a scimerrors.ScimError value: the SCIM library answers anything else with 500.
func CheckBadRequest(tb testing.TB, err error, scimType scimerrors.ScimType, mentions ...string) scimerrors.ScimError {
	tb.Helper()
	var se scimerrors.ScimError
	if !errors.As(err, &se) {
		tb.Fatalf("error = %v (%T), want a SCIM error value", err, err)
	}
	if _, isValue := err.(scimerrors.ScimError); !isValue {
		tb.Fatalf("error is %T, want scimerrors.ScimError (the library turns anything else into 500)", err)
	}
	if se.Status != http.StatusBadRequest || se.ScimType != scimType {
		tb.Errorf("error = %d %q, want 400 %q", se.Status, se.ScimType, scimType)
	}
	for _, m := range mentions {
		if !strings.Contains(se.Detail, m) {
			tb.Errorf("detail %q does not mention %q", se.Detail, m)
		}
	}
	return se
}

package mappingtest

import (
	"testing"

	"github.com/fsscim/fsscim/mapping"
)

// UserPatchCase is a PATCH request body applied to a user, and what it makes of the user.
type UserPatchCase struct {
	Name    string
	Start   mapping.User
	Body    string
	Want    mapping.User
	Touched mapping.FieldSet
	// Ignored is what is reported as not mapped.
	Ignored []string
}

// UserPatchCases are PATCH forms that are standard SCIM as Entra sends them: mapping applies them
// as they are, and the dialect must hand them on unchanged.
func UserPatchCases() []UserPatchCase {
	return []UserPatchCase{
		{
			Name:    "path-less value with id and schemas, as Okta-style clients send",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"id":"42","schemas":["x"],"title":"Lead"}}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Title = "Lead" }),
			Touched: Fields(mapping.FieldTitle),
		},
		{
			Name:    "disable",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"active","value":false}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Active = false }),
			Touched: Fields(mapping.FieldActive),
		},
		{
			Name:    "remove active is not a state change",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"active"}]}`,
			Want:    BaseUser(),
			Ignored: []string{"active"},
		},
		{
			Name:    "manager object",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"271"}}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.ManagerID = "271" }),
			Touched: Fields(mapping.FieldManager),
		},
		{
			Name:    "manager value sub-attribute",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"8"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.ManagerID = "8" }),
			Touched: Fields(mapping.FieldManager),
		},
		{
			Name:    "validator remove manager with an empty value",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":""}}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			Touched: Fields(mapping.FieldManager),
		},
		{
			Name:    "remove manager",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			Touched: Fields(mapping.FieldManager),
		},
		{
			Name:    "replace work email when the user has none",
			Start:   mapping.User{ID: "42"},
			Body:    `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"w@contoso.com"}]}`,
			Want:    mapping.User{ID: "42", WorkEmail: "w@contoso.com"},
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "add work email element as an object, wrapped in an array as the library hands it",
			Start:   mapping.User{},
			Body:    `{"Operations":[{"op":"add","path":"emails[type eq \"work\"]","value":[{"value":"x@contoso.com","type":"work","primary":true}]}]}`,
			Want:    mapping.User{WorkEmail: "x@contoso.com"},
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "remove work email by filter",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"emails[type eq \"work\"]"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkEmail = "" }),
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "remove phone by value filter",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"phoneNumbers[value eq \"555-0199\"]"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			Touched: Fields(mapping.FieldMobilePhone),
		},
		{
			Name:  "remove phone by a value filter matching nothing",
			Start: BaseUser(),
			Body:  `{"Operations":[{"op":"remove","path":"phoneNumbers[value eq \"000\"]"}]}`,
			Want:  BaseUser(),
		},
		{
			Name:    "remove all phones",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"phoneNumbers"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "", "" }),
			Touched: Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
		},
		{
			Name:  "replace emails as a whole",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"replace","path":"emails","value":[
				{"type":"home","value":"home@example.com"},{"type":"work","value":"new@contoso.com","primary":true}]}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkEmail = "new@contoso.com" }),
			Touched: Fields(mapping.FieldWorkEmail),
			Ignored: []string{`emails[type eq "home"]`},
		},
		{
			Name:    "replace phones as a whole drops the missing type",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"phoneNumbers","value":[{"type":"work","value":"1"},{"type":"fax","value":"2"}]}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "1", "" }),
			Touched: Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			Ignored: []string{`phoneNumbers[type eq "fax"]`},
		},
		{
			Name:    "add phones keeps the type not sent",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"phoneNumbers","value":[{"type":"mobile","value":"3"}]}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.MobilePhone = "3" }),
			Touched: Fields(mapping.FieldMobilePhone),
		},
		{
			Name:    "replace with null clears",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"title","value":null},{"op":"replace","path":"name","value":null}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Title, u.GivenName, u.FamilyName = "", "", "" }),
			Touched: Fields(mapping.FieldTitle, mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			Name:    "replace with an empty string clears",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":""}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Department = "" }),
			Touched: Fields(mapping.FieldDepartment),
		},
		{
			Name:    "remove name clears both parts",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"name"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.GivenName, u.FamilyName = "", "" }),
			Touched: Fields(mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			Name:  "time zone, locale and preferred language as sent",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"replace","path":"timezone","value":"America/Guayaquil"},
				{"op":"replace","path":"locale","value":"fr-CA"},{"op":"add","path":"preferredLanguage","value":"hi"}]}`,
			Want: BaseWith(func(u *mapping.User) {
				u.TimeZone, u.Locale, u.PreferredLanguage = "America/Guayaquil", "fr-CA", "hi"
			}),
			Touched: Fields(mapping.FieldTimeZone, mapping.FieldLocale, mapping.FieldPreferredLanguage),
		},
		{
			Name:    "remove a custom attribute clears it",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCentre"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Custom = map[string]any{"costCentre": nil} }),
			Touched: Fields(mapping.FieldCustom),
		},
		{
			Name:  "later operation on the same attribute wins",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"replace","path":"title","value":"A"},{"op":"remove","path":"title"},
				{"op":"add","path":"title","value":"B"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Title = "B" }),
			Touched: Fields(mapping.FieldTitle),
		},
	}
}

// CheckApplied checks what ApplyUserPatch made of the case: no error, the user and the fields
// touched. What is ignored is the caller's to check, since the dialect reports some of it.
func (c UserPatchCase) CheckApplied(tb testing.TB, u mapping.User, got mapping.PatchResult, err error) {
	tb.Helper()
	checkUser(tb, "ApplyUserPatch", err, u, c.Want)
	if got.Touched != c.Touched {
		tb.Errorf("touched = %b, want %b", got.Touched, c.Touched)
	}
}

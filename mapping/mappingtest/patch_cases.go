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

// UserPatchCases are standard SCIM PATCH forms: mapping applies them as they are, and the dialect must
// hand them on unchanged and read Entra's other spellings of them (capitalised ops, booleans as
// strings) as the same case.
func UserPatchCases() []UserPatchCase {
	return []UserPatchCase{
		{
			Name:  "replace work email and family name",
			Start: BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			Want: BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.FamilyName = "updatedEmail@microsoft.com", "updatedFamilyName"
			}),
			Touched: Fields(mapping.FieldWorkEmail, mapping.FieldFamilyName),
		},
		{
			Name:    "replace userName",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"userName","value":"5b50642d@testuser.com"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.UserName = "5b50642d@testuser.com" }),
			Touched: Fields(mapping.FieldUserName),
		},
		{
			Name:  "several attributes, one kept by fsscim",
			Start: BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"displayName","value":"Pvlo"},
				{"op":"replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
				{"op":"replace","path":"name.givenName","value":"Gtfd"},
				{"op":"replace","path":"name.familyName","value":"Pkqf"},
				{"op":"replace","path":"externalId","value":"Eqpj"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}`,
			Want: BaseWith(func(u *mapping.User) {
				u.DisplayName, u.WorkEmail, u.GivenName, u.FamilyName, u.ExternalID =
					"Pvlo", "TestBcwqnm@test.microsoft.com", "Gtfd", "Pkqf", "Eqpj"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Eqpj"}
			}),
			Touched: Fields(mapping.FieldDisplayName, mapping.FieldWorkEmail, mapping.FieldGivenName, mapping.FieldFamilyName,
				mapping.FieldExternalID, mapping.FieldKept),
		},
		{
			Name:    "add of an unmapped attribute",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"ims","value":[{"value":"babs","type":"xmpp"}]}]}`,
			Want:    BaseUser(),
			Ignored: []string{"ims"},
		},
		{
			Name:    "add of a single-valued attribute fsscim keeps",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"nickName","value":"Babs"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Kept = map[string]string{"nickName": "Babs"} }),
			Touched: Fields(mapping.FieldKept),
		},
		{
			Name:  "path-less replace of attributes by name",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{"displayName":"Bjfe","title":"Lead","active":false,
				"name":{"givenName":"Kkom","familyName":"Unua"}}}]}`,
			Want: BaseWith(func(u *mapping.User) {
				u.DisplayName, u.Title, u.Active, u.GivenName, u.FamilyName = "Bjfe", "Lead", false, "Kkom", "Unua"
			}),
			Touched: Fields(mapping.FieldDisplayName, mapping.FieldTitle, mapping.FieldActive, mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			Name:  "path-less extension objects",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"99"},"costCenter":"X"},
				"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User":{"isAgent":"true","badgeNumber":"B7"}}}]}`,
			Want: BaseWith(func(u *mapping.User) {
				u.Department, u.ManagerID, u.IsAgent, u.AgentText = "Sales", "99", Bool(true), "true"
				u.Custom = map[string]any{"costCentre": "CC-1", "badgeNumber": "B7"}
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":costCenter": "X"}
			}),
			Touched: Fields(mapping.FieldDepartment, mapping.FieldManager, mapping.FieldIsAgent, mapping.FieldCustom, mapping.FieldKept),
		},
		{
			Name:    "path-less attribute names in any case",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"DISPLAYNAME":"Upper","Name":{"GivenName":"Mixed"}}}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.DisplayName, u.GivenName = "Upper", "Mixed" }),
			Touched: Fields(mapping.FieldDisplayName, mapping.FieldGivenName),
		},
		{
			Name:  "path-less replace with whole lists",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{"emails":[{"type":"work","value":"l@contoso.com"}],
				"addresses":[{"type":"work","formatted":"9 Loop"}]}}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkEmail, u.WorkAddress = "l@contoso.com", "9 Loop" }),
			Touched: Fields(mapping.FieldWorkEmail, mapping.FieldWorkAddress),
		},
		{
			Name:    "path in upper case",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"TITLE","value":"Boss"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Title = "Boss" }),
			Touched: Fields(mapping.FieldTitle),
		},
		{
			Name:    "re-enable",
			Start:   mapping.User{ID: "42", Active: false},
			Body:    `{"Operations":[{"op":"replace","path":"active","value":true}]}`,
			Want:    mapping.User{ID: "42", Active: true},
			Touched: Fields(mapping.FieldActive),
		},
		{
			Name:    "add work email when the user has none",
			Start:   mapping.User{ID: "42", UserName: "a@contoso.com"},
			Body:    `{"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"a.work@contoso.com"}]}`,
			Want:    mapping.User{ID: "42", UserName: "a@contoso.com", WorkEmail: "a.work@contoso.com"},
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:  "work and mobile phone, fax unmapped",
			Start: BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-0101"},
				{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-0102"},
				{"op":"add","path":"phoneNumbers[type eq \"fax\"].value","value":"555-0103"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "555-0101", "555-0102" }),
			Touched: Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			Ignored: []string{`phoneNumbers[type eq "fax"].value`},
		},
		{
			Name:  "work address formatted, other address parts ignored",
			Start: BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"addresses[type eq \"work\"].formatted","value":"2 Side St"},
				{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Side St"},
				{"op":"add","path":"addresses[type eq \"other\"].Formatted","value":"elsewhere"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkAddress = "2 Side St" }),
			Touched: Fields(mapping.FieldWorkAddress),
			Ignored: []string{`addresses[type eq "work"].streetAddress`, `addresses[type eq "other"].Formatted`},
		},
		{
			Name:    "filter and sub-attribute in upper case",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"EMAILS[TYPE EQ \"Work\"].VALUE","value":"W@contoso.com"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkEmail = "W@contoso.com" }),
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "other email with a capital V is ignored",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"emails[type eq \"other\"].Value","value":"o@contoso.com"}]}`,
			Want:    BaseUser(),
			Ignored: []string{`emails[type eq "other"].Value`},
		},
		{
			Name:    "remove phones with a value list",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"phoneNumbers","value":[{"type":"mobile","value":"555-0199"}]}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			Touched: Fields(mapping.FieldMobilePhone),
		},
		{
			Name:    "remove emails with a value list naming the address",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"emails","value":[{"value":"WORK@contoso.com"}]}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkEmail = "" }),
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "replace emails without a work one takes the primary",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"emails","value":[{"value":"a@x.com"},{"value":"b@x.com","primary":true}]}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.WorkEmail = "b@x.com" }),
			Touched: Fields(mapping.FieldWorkEmail),
			Ignored: []string{`emails[type eq ""]`},
		},
		{
			Name:  "add an email of another type keeps the work email",
			Start: BaseUser(),
			Body:  `{"Operations":[{"op":"add","path":"emails","value":[{"value":"home2@example.com","type":"home"}]}]}`,
			Want:  BaseUser(),
			// fsscim keeps the work email only.
			Ignored: []string{`emails[type eq "home"]`},
		},
		{
			Name:    "add an untyped email keeps the work email",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"emails","value":[{"value":"other@example.com"}]}]}`,
			Want:    BaseUser(),
			Ignored: []string{`emails[type eq ""]`},
		},
		{
			Name:    "add an untyped email to a user without a work email makes it the work email",
			Start:   mapping.User{ID: "42"},
			Body:    `{"Operations":[{"op":"add","path":"emails","value":[{"value":"first@example.com"}]}]}`,
			Want:    mapping.User{ID: "42", WorkEmail: "first@example.com"},
			Touched: Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "add addresses with only an unmapped type is ignored",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"addresses","value":[{"type":"home","formatted":"x"}]}]}`,
			Want:    BaseUser(),
			Ignored: []string{`addresses[type eq "home"]`},
		},
		{
			Name:    "remove title",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"title"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Title = "" }),
			Touched: Fields(mapping.FieldTitle),
		},
		{
			Name:    "remove title with a value",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"title","value":"Engineer"}]}`,
			Want:    BaseWith(func(u *mapping.User) { u.Title = "" }),
			Touched: Fields(mapping.FieldTitle),
		},
		{
			Name:  "Freshservice extension: isAgent, location and custom attributes",
			Start: BaseUser(),
			Body: `{"Operations":[
				{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"TRUE"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:location","value":"Berlin"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:COSTCENTRE","value":"CC-9"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize","value":"44"}]}`,
			Want: BaseWith(func(u *mapping.User) {
				u.IsAgent, u.AgentText, u.Location = Bool(true), "TRUE", "Berlin"
				u.Custom = map[string]any{"costCentre": "CC-9"}
			}),
			Touched: Fields(mapping.FieldIsAgent, mapping.FieldLocation, mapping.FieldCustom),
			Ignored: []string{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize"},
		},
		{
			Name:  "roles, with JSON-encoded values as Entra sends them, are not mapped",
			Start: BaseUser(),
			Body: `{"Operations":[{"op":"add","path":"roles","value":[
				{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}]}`,
			Want:    BaseUser(),
			Ignored: []string{"roles"},
		},
		{
			Name:    "an unknown extension is ignored",
			Start:   BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier","value":"gold"}]}`,
			Want:    BaseUser(),
			Ignored: []string{"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier"},
		},
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

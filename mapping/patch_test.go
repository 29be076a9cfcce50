package mapping_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
)

// patchTestOps decodes a PatchOp request body as the HTTP surface does: numbers as json.Number,
// each path parsed. Op names are kept as sent.
func patchTestOps(tb testing.TB, body string) []mapping.PatchOp {
	tb.Helper()
	ops, err := patchTestDecode([]byte(body))
	if err != nil {
		tb.Fatalf("decode PATCH body: %v\n%s", err, body)
	}
	return ops
}

func patchTestDecode(body []byte) ([]mapping.PatchOp, error) {
	var req map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, errors.New("the body is not a JSON object")
	}
	if _, has := req["schemas"]; !has {
		req["schemas"] = []any{mapping.SchemaPatchOp}
	}
	return mapping.DecodePatch(req)
}

var patchTestOpts = mapping.Options{Attributes: map[string]string{"costCentre": "cost_centre", "badgeNumber": "badge"}}

// TestApplyUserPatch applies standard PATCH operations (RFC 7644 §3.5.2), as the dialect hands them
// on, to a user. What Entra sends before the dialect puts it in this form is tested in proxy/dialect.
func TestApplyUserPatch(t *testing.T) {
	tests := []struct {
		name    string
		start   mapping.User
		body    string
		want    mapping.User
		touched mapping.FieldSet
		ignored []string
	}{
		{
			name:  "replace work email and family name",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.FamilyName = "updatedEmail@microsoft.com", "updatedFamilyName"
			}),
			touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldFamilyName),
		},
		{
			name:    "replace userName",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"userName","value":"5b50642d@testuser.com"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.UserName = "5b50642d@testuser.com" }),
			touched: mappingtest.Fields(mapping.FieldUserName),
		},
		{
			name:  "several attributes, one kept by fsscim",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"replace","path":"displayName","value":"Pvlo"},
				{"op":"replace","path":"name.givenName","value":"Gtfd"},
				{"op":"replace","path":"externalId","value":"Eqpj"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.GivenName, u.ExternalID = "Pvlo", "Gtfd", "Eqpj"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Eqpj"}
			}),
			touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldGivenName, mapping.FieldExternalID, mapping.FieldKept),
		},
		{
			name:    "add of an unmapped attribute",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"add","path":"ims","value":[{"value":"babs","type":"xmpp"}]}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{"ims"},
		},
		{
			name:  "path-less replace of attributes by name",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","value":{"displayName":"Bjfe","title":"Lead","active":false,
				"name":{"givenName":"Kkom","familyName":"Unua"}}}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.Title, u.Active, u.GivenName, u.FamilyName = "Bjfe", "Lead", false, "Kkom", "Unua"
			}),
			touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldTitle, mapping.FieldActive, mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			name:  "path-less extension objects",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","value":{
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"99"},"costCenter":"X"},
				"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User":{"isAgent":"true","badgeNumber":"B7"}}}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Department, u.ManagerID, u.IsAgent, u.AgentText = "Sales", "99", mappingtest.Bool(true), "true"
				u.Custom = map[string]any{"costCentre": "CC-1", "badgeNumber": "B7"}
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":costCenter": "X"}
			}),
			touched: mappingtest.Fields(mapping.FieldDepartment, mapping.FieldManager, mapping.FieldIsAgent, mapping.FieldCustom, mapping.FieldKept),
		},
		{
			name:    "path-less attribute names in any case",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"DISPLAYNAME":"Upper","Name":{"GivenName":"Mixed"}}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.DisplayName, u.GivenName = "Upper", "Mixed" }),
			touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldGivenName),
		},
		{
			name:    "path-less value with id and schemas",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"id":"42","schemas":["x"],"title":"Lead"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "Lead" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			name:    "a path-less key that is a path names no attribute",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"name.givenName":"Dotted"}}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{"name.givenName"},
		},
		{
			name:    "path in upper case",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"TITLE","value":"Boss"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "Boss" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			name:    "disable",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"active","value":false}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Active = false }),
			touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			name:    "re-enable",
			start:   mapping.User{ID: "42", Active: false},
			body:    `{"Operations":[{"op":"replace","path":"active","value":true}]}`,
			want:    mapping.User{ID: "42", Active: true},
			touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			name:    "remove active is not a state change",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"active"}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{"active"},
		},
		{
			name:    "manager object",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"271"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "271" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager value sub-attribute",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"8"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "8" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager with an empty value clears it",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":""}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "remove manager",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager object without a value names no manager",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{}}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{mapping.SchemaEnterprise + ":manager"},
		},
		{
			name:    "add work email when the user has none",
			start:   mapping.User{ID: "42", UserName: "a@contoso.com"},
			body:    `{"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"a.work@contoso.com"}]}`,
			want:    mapping.User{ID: "42", UserName: "a@contoso.com", WorkEmail: "a.work@contoso.com"},
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "replace work email when the user has none",
			start:   mapping.User{ID: "42"},
			body:    `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"w@contoso.com"}]}`,
			want:    mapping.User{ID: "42", WorkEmail: "w@contoso.com"},
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:  "work and mobile phone, fax unmapped",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-0101"},
				{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-0102"},
				{"op":"add","path":"phoneNumbers[type eq \"fax\"].value","value":"555-0103"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "555-0101", "555-0102" }),
			touched: mappingtest.Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			ignored: []string{`phoneNumbers[type eq "fax"].value`},
		},
		{
			name:  "work address formatted, other address parts ignored",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"replace","path":"addresses[type eq \"work\"].formatted","value":"2 Side St"},
				{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Side St"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkAddress = "2 Side St" }),
			touched: mappingtest.Fields(mapping.FieldWorkAddress),
			ignored: []string{`addresses[type eq "work"].streetAddress`},
		},
		{
			name:    "filter and sub-attribute in upper case",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"EMAILS[TYPE EQ \"Work\"].VALUE","value":"W@contoso.com"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "W@contoso.com" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "add the work email element",
			start:   mapping.User{},
			body:    `{"Operations":[{"op":"add","path":"emails[type eq \"work\"]","value":[{"value":"x@contoso.com","type":"work","primary":true}]}]}`,
			want:    mapping.User{WorkEmail: "x@contoso.com"},
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "remove work email by filter",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"emails[type eq \"work\"]"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "remove phone by value filter",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"phoneNumbers[value eq \"555-0199\"]"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			name:  "remove phone by a value filter matching nothing",
			start: mappingtest.BaseUser(),
			body:  `{"Operations":[{"op":"remove","path":"phoneNumbers[value eq \"000\"]"}]}`,
			want:  mappingtest.BaseUser(),
		},
		{
			name:    "remove phones with a value list",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"phoneNumbers","value":[{"type":"mobile","value":"555-0199"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			name:    "remove emails with a value list naming the address",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"emails","value":[{"value":"WORK@contoso.com"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "remove all phones",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"phoneNumbers"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "", "" }),
			touched: mappingtest.Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
		},
		{
			name:  "replace emails as a whole",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","path":"emails","value":[
				{"type":"home","value":"home@example.com"},{"type":"work","value":"new@contoso.com","primary":true}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "new@contoso.com" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
			ignored: []string{`emails[type eq "home"]`},
		},
		{
			name:    "replace emails without a work one takes the primary",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"emails","value":[{"value":"a@x.com"},{"value":"b@x.com","primary":true}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "b@x.com" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
			ignored: []string{`emails[type eq ""]`},
		},
		{
			name:    "replace phones as a whole drops the missing type",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"phoneNumbers","value":[{"type":"work","value":"1"},{"type":"fax","value":"2"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "1", "" }),
			touched: mappingtest.Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			ignored: []string{`phoneNumbers[type eq "fax"]`},
		},
		{
			name:    "add phones keeps the type not sent",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"add","path":"phoneNumbers","value":[{"type":"mobile","value":"3"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "3" }),
			touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			name:  "add an email of another type keeps the work email",
			start: mappingtest.BaseUser(),
			body:  `{"Operations":[{"op":"add","path":"emails","value":[{"value":"home2@example.com","type":"home"}]}]}`,
			want:  mappingtest.BaseUser(),
			// fsscim keeps the work email only.
			ignored: []string{`emails[type eq "home"]`},
		},
		{
			name:    "add an untyped email keeps the work email",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"add","path":"emails","value":[{"value":"other@example.com"}]}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{`emails[type eq ""]`},
		},
		{
			name:    "add an untyped email to a user without a work email makes it the work email",
			start:   mapping.User{ID: "42"},
			body:    `{"Operations":[{"op":"add","path":"emails","value":[{"value":"first@example.com"}]}]}`,
			want:    mapping.User{ID: "42", WorkEmail: "first@example.com"},
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "remove title",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"title"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			name:    "replace with null clears",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"title","value":null},{"op":"replace","path":"name","value":null}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title, u.GivenName, u.FamilyName = "", "", "" }),
			touched: mappingtest.Fields(mapping.FieldTitle, mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			name:    "replace with an empty string clears",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":""}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Department = "" }),
			touched: mappingtest.Fields(mapping.FieldDepartment),
		},
		{
			name:    "remove name clears both parts",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"name"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.GivenName, u.FamilyName = "", "" }),
			touched: mappingtest.Fields(mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			name:  "time zone, locale and preferred language as sent",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","path":"timezone","value":"America/Guayaquil"},
				{"op":"replace","path":"locale","value":"fr-CA"},{"op":"add","path":"preferredLanguage","value":"hi"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.TimeZone, u.Locale, u.PreferredLanguage = "America/Guayaquil", "fr-CA", "hi"
			}),
			touched: mappingtest.Fields(mapping.FieldTimeZone, mapping.FieldLocale, mapping.FieldPreferredLanguage),
		},
		{
			name:  "Freshservice extension: isAgent, location and custom attributes",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"TRUE"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:location","value":"Berlin"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:COSTCENTRE","value":"CC-9"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize","value":"44"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.IsAgent, u.AgentText, u.Location = mappingtest.Bool(true), "TRUE", "Berlin"
				u.Custom = map[string]any{"costCentre": "CC-9"}
			}),
			touched: mappingtest.Fields(mapping.FieldIsAgent, mapping.FieldLocation, mapping.FieldCustom),
			ignored: []string{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize"},
		},
		{
			name:    "remove a custom attribute clears it",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCentre"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Custom = map[string]any{"costCentre": nil} }),
			touched: mappingtest.Fields(mapping.FieldCustom),
		},
		{
			name:    "roles are not mapped",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"add","path":"roles","value":[{"value":"Admin"}]}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{"roles"},
		},
		{
			name:    "an unknown extension is ignored",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier","value":"gold"}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier"},
		},
		{
			name:  "later operation on the same attribute wins",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","path":"title","value":"A"},{"op":"remove","path":"title"},
				{"op":"add","path":"title","value":"B"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "B" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.start
			got, err := mapping.ApplyUserPatch(&u, patchTestOps(t, tt.body), patchTestOpts)
			if err != nil {
				t.Fatalf("ApplyUserPatch: %v", err)
			}
			if !reflect.DeepEqual(u, tt.want) {
				t.Errorf("user\n got %+v\nwant %+v", u, tt.want)
			}
			if got.Touched != tt.touched {
				t.Errorf("touched = %b, want %b", got.Touched, tt.touched)
			}
			if !reflect.DeepEqual(got.Ignored, tt.ignored) {
				t.Errorf("ignored = %q, want %q", got.Ignored, tt.ignored)
			}
		})
	}
}

func TestApplyUserPatchErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		scimType scimerrors.ScimType
		mentions []string // the detail names attribute and value
	}{
		{"active not a boolean", `{"Operations":[{"op":"replace","path":"active","value":"maybe"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", "maybe"}},
		{"title is a boolean", `{"Operations":[{"op":"replace","path":"title","value":true}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"title", "true"}},
		{"displayName is an object without value", `{"Operations":[{"op":"replace","value":{"displayName":{"x":1}}}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"displayName", `{"x":1}`}},
		{"manager is a boolean", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":true}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"manager", "true"}},
		{"isAgent is a number", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":1}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"isAgent", "1"}},
		{"isAgent is neither true nor false", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"yes"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"isAgent", "yes"}},
		// What the dialect puts in standard form is refused when it reaches mapping as sent.
		{"active as a string", `{"Operations":[{"op":"replace","path":"active","value":"False"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", `"False"`}},
		{"op in capitals", `{"Operations":[{"op":"Replace","path":"title","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"Replace"}},
		{"manager as a plain id", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"271"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"manager", `"271"`}},
		{"phone as a number", `{"Operations":[{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":5555}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"phoneNumbers", "5555"}},
		{"emails as one object", `{"Operations":[{"op":"replace","path":"emails","value":{"type":"work","value":"a@x.com"}}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"emails"}},
		{"displayName wrapped in a list", `{"Operations":[{"op":"replace","path":"displayName","value":[{"value":"W"}]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"displayName"}},
		{"custom attribute as a number", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badgeNumber","value":1234}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"badgeNumber", "1234"}},
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
		{"unknown op", `{"Operations":[{"op":"Update","path":"title","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"Update"}},
		{"remove without path", `{"Operations":[{"op":"remove","value":{"title":"x"}}]}`,
			scimerrors.ScimTypeNoTarget, []string{"path"}},
		{"path-less value is not an object", `{"Operations":[{"op":"replace","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{`"x"`}},
		{"long value is shortened in the detail", `{"Operations":[{"op":"replace","path":"active","value":"` + strings.Repeat("é", 200) + `"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A valid first operation must not be applied when a later one fails.
			ops := append(patchTestOps(t, `{"Operations":[{"op":"replace","path":"title","value":"Changed"}]}`),
				patchTestOps(t, tt.body)...)
			u := mappingtest.BaseUser()
			res, err := mapping.ApplyUserPatch(&u, ops, patchTestOpts)
			se := mappingtest.CheckBadRequest(t, err, tt.scimType, tt.mentions...)
			if len(se.Detail) > 300 {
				t.Errorf("detail is %d bytes long", len(se.Detail))
			}
			if !reflect.DeepEqual(u, mappingtest.BaseUser()) {
				t.Errorf("user changed despite the error: %+v", u)
			}
			if res.Touched != 0 || res.Ignored != nil {
				t.Errorf("result = %+v, want empty", res)
			}
		})
	}
}

func TestApplyUserPatchDoesNotShareCustom(t *testing.T) {
	u := mappingtest.BaseUser()
	before := u.Custom
	if _, err := mapping.ApplyUserPatch(&u, patchTestOps(t,
		`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCentre","value":"new"}]}`),
		patchTestOpts); err != nil {
		t.Fatal(err)
	}
	if before["costCentre"] != "CC-1" {
		t.Errorf("the caller's custom map was written: %v", before)
	}
	if u.Custom["costCentre"] != "new" {
		t.Errorf("custom = %v", u.Custom)
	}
}

// patchTestFieldValues reads, for each Field, the attribute it names, so that a test can check that
// a PATCH changed only what it reports as touched.
func patchTestFieldValues(u mapping.User) map[mapping.Field]any {
	return map[mapping.Field]any{
		mapping.FieldUserName: u.UserName, mapping.FieldExternalID: u.ExternalID, mapping.FieldGivenName: u.GivenName,
		mapping.FieldFamilyName: u.FamilyName, mapping.FieldDisplayName: u.DisplayName, mapping.FieldTitle: u.Title,
		mapping.FieldWorkEmail: u.WorkEmail, mapping.FieldWorkPhone: u.WorkPhone, mapping.FieldMobilePhone: u.MobilePhone,
		mapping.FieldWorkAddress: u.WorkAddress, mapping.FieldTimeZone: u.TimeZone, mapping.FieldLocale: u.Locale,
		mapping.FieldPreferredLanguage: u.PreferredLanguage, mapping.FieldActive: u.Active, mapping.FieldDepartment: u.Department,
		mapping.FieldManager: u.ManagerID, mapping.FieldLocation: u.Location, mapping.FieldIsAgent: u.IsAgent, mapping.FieldCustom: u.Custom,
	}
}

func FuzzApplyUserPatch(f *testing.F) {
	seeds := []string{
		`{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"a@b.c"}]}`,
		`{"Operations":[{"op":"replace","value":{"displayName":"x","name":{"givenName":"y"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}}}]}`,
		`{"Operations":[{"op":"replace","path":"active","value":false}]}`,
		`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"1"}}]}`,
		`{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}`,
		`{"Operations":[{"op":"replace","path":"phoneNumbers","value":[{"type":"mobile","value":"1"}]}]}`,
		`{"Operations":[{"op":"remove","path":"emails","value":[{"value":"x"}]}]}`,
		`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"true"}]}`,
		`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCentre","value":null}]}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ops, err := patchTestDecode([]byte(body))
		if err != nil {
			return // the library answers 400 before a handler sees the request
		}
		u := mappingtest.BaseUser()
		res, err := mapping.ApplyUserPatch(&u, ops, patchTestOpts)
		if err != nil {
			se, ok := err.(scimerrors.ScimError)
			if !ok || se.Status != 400 {
				t.Fatalf("error %v (%T), want a SCIM 400 error value", err, err)
			}
			if len(se.Detail) > 400 {
				t.Fatalf("detail is %d bytes long", len(se.Detail))
			}
			if !reflect.DeepEqual(u, mappingtest.BaseUser()) {
				t.Fatalf("user changed despite the error")
			}
			return
		}
		before, after := patchTestFieldValues(mappingtest.BaseUser()), patchTestFieldValues(u)
		for f, v := range before {
			if !res.Touched.Has(f) && !reflect.DeepEqual(v, after[f]) {
				t.Fatalf("field %b changed from %v to %v without being reported as touched", f, v, after[f])
			}
		}
		if u.ID != "42" {
			t.Fatalf("id changed to %q", u.ID)
		}
	})
}

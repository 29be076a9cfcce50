package dialect_test

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
	"github.com/fsscim/fsscim/proxy/dialect"
)

// These tests feed what Entra (and other clients) send to the dialect, and what the dialect hands on
// to mapping, which reads only standard SCIM: together they are what fsscim makes of each form. The
// HTTP surface validates in between; what it refuses is tested in proxy.

// entraOpts is a tenant with two custom attributes.
var entraOpts = mapping.Options{Attributes: map[string]string{"costCentre": "cost_centre", "badgeNumber": "badge"}}

// userSchemas are the schemas the HTTP surface serves users with for that tenant.
var userSchemas = dialect.NewSchemas(mapping.UserSchema(), schema.ExtensionEnterpriseUser(), mapping.FreshserviceExtension(entraOpts.Attributes))

var groupSchemas = dialect.NewSchemas(schema.CoreGroupSchema())

// dialectPatch puts a PATCH body (its schemas added when absent) in standard form.
func dialectPatch(tb testing.TB, body string, known dialect.Schemas, resource string) ([]mapping.PatchOp, dialect.Report, error) {
	tb.Helper()
	req := mappingtest.DecodeBody(tb, body)
	if _, has := req["schemas"]; !has {
		req["schemas"] = []any{mapping.SchemaPatchOp}
	}
	return dialect.Patch(req, resource, known)
}

// optsFor is the tenant's options as the HTTP surface hands them to provisioning for a request the
// dialect reported on.
func optsFor(opts mapping.Options, rep dialect.Report) mapping.Options {
	opts.LocationAsEnterprise = rep.EnterpriseLocation
	return opts
}

// sortedNames sorts a copy of names; nil for none.
func sortedNames(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	out := slices.Clone(names)
	sort.Strings(out)
	return out
}

// TestEntraPatchForms sends every PATCH form Entra is documented to send (its two dialects, the
// manager's forms, string booleans, path-less values with dotted, URN-qualified and nested keys,
// wrapped values) through the dialect and mapping, and checks the user they make. ignored is what the
// dialect and mapping together report as not mapped.
func TestEntraPatchForms(t *testing.T) {
	tests := []struct {
		name    string
		start   mapping.User
		body    string
		want    mapping.User
		touched mapping.FieldSet
		ignored []string
	}{
		// Entra's default ("legacy") dialect: capitalised ops, one op per attribute.
		{
			name:  "legacy replace work email and family name",
			start: mappingtest.BaseUser(),
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.FamilyName = "updatedEmail@microsoft.com", "updatedFamilyName"
			}),
			touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldFamilyName),
		},
		{
			name:    "legacy replace userName",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.UserName = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" }),
			touched: mappingtest.Fields(mapping.FieldUserName),
		},
		{
			name:  "legacy multi-attribute update",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"Replace","path":"displayName","value":"Pvlo"},
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
				{"op":"Replace","path":"name.givenName","value":"Gtfd"},
				{"op":"Replace","path":"name.familyName","value":"Pkqf"},
				{"op":"Replace","path":"externalId","value":"Eqpj"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.WorkEmail, u.GivenName, u.FamilyName, u.ExternalID =
					"Pvlo", "TestBcwqnm@test.microsoft.com", "Gtfd", "Pkqf", "Eqpj"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Eqpj"}
			}),
			touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldWorkEmail, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldExternalID, mapping.FieldKept),
		},
		{
			name:    "legacy add of a single-valued attribute fsscim keeps",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Add","path":"nickName","value":"Babs"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Kept = map[string]string{"nickName": "Babs"} }),
			touched: mappingtest.Fields(mapping.FieldKept),
		},
		// Entra's aadOptscim062020 dialect: lower-case ops, path-less replace.
		{
			name:  "flagged path-less replace with dotted and URN keys",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"replace","path":"emails[type eq \"work\"].value","value":"TestMhvaes@test.microsoft.com"},
				{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
					"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.DisplayName, u.GivenName, u.FamilyName = "TestMhvaes@test.microsoft.com", "Bjfe", "Kkom", "Unua"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Aklq"}
			}),
			touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldDisplayName, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldKept),
		},
		{
			name:  "path-less add with dotted keys",
			start: mapping.User{UserName: "foo@contoso.com"},
			body: `{"Operations":[{"op":"add","value":{"displayName":"Foo Bar","title":"Bar Foo",
				"name.givenName":"Foo","name.familyName":"Bar","name.formatted":"Foo Bar"}}]}`,
			want:    mapping.User{UserName: "foo@contoso.com", DisplayName: "Foo Bar", Title: "Bar Foo", GivenName: "Foo", FamilyName: "Bar", FormattedName: "Foo Bar"},
			touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldTitle, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldFormattedName),
		},
		{
			name:  "path-less replace of extension keys only",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","value":{
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization":"organization",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"department"}}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Department, u.Kept = "department", map[string]string{mapping.SchemaEnterprise + ":organization": "organization"}
			}),
			touched: mappingtest.Fields(mapping.FieldDepartment, mapping.FieldKept),
		},
		{
			name:  "path-less nested extension object",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
				{"department":"Sales","manager":{"value":"99"},"costCenter":"X"}}}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Department, u.ManagerID, u.Kept = "Sales", "99", map[string]string{mapping.SchemaEnterprise + ":costCenter": "X"}
			}),
			touched: mappingtest.Fields(mapping.FieldDepartment, mapping.FieldManager, mapping.FieldKept),
		},
		{
			name:    "path-less nested name object",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"name":{"givenName":"G"}}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.GivenName = "G" }),
			touched: mappingtest.Fields(mapping.FieldGivenName),
		},
		{
			name:  "path-less keys in any case",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"Replace","value":{"DISPLAYNAME":"Upper","Name.GivenName":"Mixed",
				"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department":"Ops","ACTIVE":"false"}}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.GivenName, u.Department, u.Active = "Upper", "Mixed", "Ops", false
			}),
			touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldGivenName, mapping.FieldDepartment, mapping.FieldActive),
		},
		{
			name:    "path-less value with id and schemas, as Okta-style clients send",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"id":"42","schemas":["x"],"title":"Lead"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "Lead" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			name:    "path is the bare enterprise URN with an object value",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"Legal"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Department = "Legal" }),
			touched: mappingtest.Fields(mapping.FieldDepartment),
		},
		{
			name:    "op and path in upper case",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"REPLACE","path":"TITLE","value":"Boss"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "Boss" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
		// Disable and re-enable in both dialects.
		{
			name:    "legacy disable with string False",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Active = false }),
			touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			name:    "flagged disable with boolean false",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"active","value":false}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Active = false }),
			touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			name:    "S1 disable with Replace and boolean false",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Replace","path":"active","value":false}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Active = false }),
			touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			name:    "legacy re-enable with string True",
			start:   mapping.User{ID: "42", Active: false},
			body:    `{"Operations":[{"op":"Replace","path":"active","value":"True"}]}`,
			want:    mapping.User{ID: "42", Active: true},
			touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			name:    "re-enable with an admin-edited lower-case string",
			start:   mapping.User{ID: "42"},
			body:    `{"Operations":[{"op":"replace","path":"active","value":"true"}]}`,
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
		// Every form Entra sends the manager in.
		{
			name:    "manager legacy array with $ref on a path without URN",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://example.com/scim/Users/00aa00aa","value":"00aa00aa"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "00aa00aa" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager plain string",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"271"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "271" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager object",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"271"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "271" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager number",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":271}}]}`,
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
			name:    "validator remove manager with an empty value",
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
			name:    "remove manager with a filter naming the current manager",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"manager[value eq \"7\"]"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			// Entra names the manager it set; the manager is single-valued, so the filter is dropped and
			// the manager cleared whoever it is.
			name:    "remove manager with a filter naming another manager",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"remove","path":"manager[value eq \"8\"]"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "remove manager with a filter when the current manager is not loaded",
			start:   mapping.User{ID: "42"},
			body:    `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"8\"]"}]}`,
			want:    mapping.User{ID: "42"},
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			name:    "manager null clears",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":null}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			// A manager object without a value names no manager: the user has none.
			name:    "manager display name only clears the manager",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"displayName":"Boss"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			touched: mappingtest.Fields(mapping.FieldManager),
		},
		// Filtered paths on multi-valued attributes, creating the element when absent.
		{
			name:    "add work email when the user has none",
			start:   mapping.User{ID: "42", UserName: "a@contoso.com"},
			body:    `{"Operations":[{"op":"Add","path":"emails[type eq \"work\"].value","value":"a.work@contoso.com"}]}`,
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
			name:  "work and mobile phone",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-0101"},
				{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-0102"},
				{"op":"Add","path":"phoneNumbers[type eq \"fax\"].value","value":"555-0103"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "555-0101", "555-0102" }),
			touched: mappingtest.Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			ignored: []string{`phoneNumbers[type eq "fax"].value`},
		},
		{
			name:    "phone sent as a number keeps its digits",
			start:   mapping.User{},
			body:    `{"Operations":[{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":55555555555}]}`,
			want:    mapping.User{WorkPhone: "55555555555"},
			touched: mappingtest.Fields(mapping.FieldWorkPhone),
		},
		{
			name:  "work address formatted, other address parts ignored",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"2 Side St"},
				{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Side St"},
				{"op":"Add","path":"addresses[type eq \"other\"].Formatted","value":"elsewhere"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkAddress = "2 Side St" }),
			touched: mappingtest.Fields(mapping.FieldWorkAddress),
			ignored: []string{`addresses[type eq "work"].streetAddress`, `addresses[type eq "other"].Formatted`},
		},
		{
			name:    "other email with a capital V is ignored",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Replace","path":"emails[type eq \"other\"].Value","value":"o@contoso.com"}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{`emails[type eq "other"].Value`},
		},
		{
			name:    "filter and sub-attribute in upper case",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Replace","path":"EMAILS[TYPE EQ \"Work\"].VALUE","value":"W@contoso.com"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "W@contoso.com" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "add work email element as an object, wrapped in an array as the library hands it",
			start:   mapping.User{},
			body:    `{"Operations":[{"op":"add","path":"emails[type eq \"work\"]","value":[{"value":"x@contoso.com","type":"work","primary":true}]}]}`,
			want:    mapping.User{WorkEmail: "x@contoso.com"},
			touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			name:    "filtered path as a path-less key",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"phoneNumbers[type eq \"mobile\"].value":"555-0999"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "555-0999" }),
			touched: mappingtest.Fields(mapping.FieldMobilePhone),
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
			body:    `{"Operations":[{"op":"Remove","path":"phoneNumbers","value":[{"type":"mobile","value":"555-0199"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			name:    "remove emails with a value list naming the address",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Remove","path":"emails","value":[{"value":"WORK@contoso.com"}]}]}`,
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
		// Whole multi-valued replacement.
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
			body:    `{"Operations":[{"op":"replace","path":"emails","value":[{"value":"a@x.com"},{"value":"b@x.com","primary":"True"}]}]}`,
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
			name:    "add addresses with only an unmapped type is ignored",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"add","path":"addresses","value":[{"type":"home","formatted":"x"}]}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{`addresses[type eq "home"]`},
		},
		{
			name:  "path-less replace with whole lists",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"replace","value":{"emails":[{"type":"work","value":"l@contoso.com"}],
				"addresses":[{"type":"work","formatted":"9 Loop"}]}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail, u.WorkAddress = "l@contoso.com", "9 Loop" }),
			touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldWorkAddress),
		},
		// Remove and null.
		{
			name:    "remove title",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Remove","path":"title"}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "" }),
			touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			name:    "remove title with a value",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Remove","path":"title","value":"Engineer"}]}`,
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
		// Time zone, languages.
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
		// Freshservice extension.
		{
			name:  "freshservice extension isAgent string, location and custom attributes (a number as written)",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[
				{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"True"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:location","value":"Berlin"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:COSTCENTRE","value":"CC-9"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badgeNumber","value":1234},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize","value":"44"}]}`,
			want: mappingtest.BaseWith(func(u *mapping.User) {
				u.IsAgent, u.AgentText, u.Location = mappingtest.Bool(true), "True", "Berlin"
				u.Custom = map[string]any{"costCentre": "CC-9", "badgeNumber": "1234"}
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
			name:    "custom attribute on a user without custom values",
			start:   mapping.User{},
			body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User":{"isAgent":false,"badgeNumber":"B7"}}}]}`,
			want:    mapping.User{IsAgent: mappingtest.Bool(false), AgentText: "false", Custom: map[string]any{"badgeNumber": "B7"}},
			touched: mappingtest.Fields(mapping.FieldIsAgent, mapping.FieldCustom),
		},
		{
			name:    "enterprise _location, Freshservice's own app mapping",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:_location":"Paris"}}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.Location, u.EnterpriseLocation = "Paris", true }),
			touched: mappingtest.Fields(mapping.FieldLocation),
		},
		// roles are not mapped.
		{
			name:  "roles with JSON-encoded values are ignored",
			start: mappingtest.BaseUser(),
			body: `{"Operations":[{"op":"Add","path":"roles","value":[
				{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}]}`,
			want:    mappingtest.BaseUser(),
			ignored: []string{"roles"},
		},
		{
			name:    "an unknown extension is ignored",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier":"gold"}}]}`,
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
		{
			name:    "displayName wrapped as older Microsoft clients sent it",
			start:   mappingtest.BaseUser(),
			body:    `{"Operations":[{"op":"Replace","path":"displayName","value":[{"$ref":null,"value":"Wrapped"}]}]}`,
			want:    mappingtest.BaseWith(func(u *mapping.User) { u.DisplayName = "Wrapped" }),
			touched: mappingtest.Fields(mapping.FieldDisplayName),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, rep, err := dialectPatch(t, tt.body, userSchemas, dialect.Users)
			if err != nil {
				t.Fatalf("dialect.Patch: %v", err)
			}
			u := tt.start
			got, err := mapping.ApplyUserPatch(&u, ops, optsFor(entraOpts, rep))
			if err != nil {
				t.Fatalf("ApplyUserPatch: %v", err)
			}
			if !reflect.DeepEqual(u, tt.want) {
				t.Errorf("user\n got %+v\nwant %+v", u, tt.want)
			}
			if got.Touched != tt.touched {
				t.Errorf("touched = %b, want %b", got.Touched, tt.touched)
			}
			if ignored := sortedNames(append(rep.Ignored, got.Ignored...)); !reflect.DeepEqual(ignored, sortedNames(tt.ignored)) {
				t.Errorf("ignored = %q, want %q", ignored, sortedNames(tt.ignored))
			}
		})
	}
}

// TestEntraPatchRefusals: forms the dialect cannot put in standard form reach mapping as they were
// sent, and are refused with a SCIM 400 that names the attribute and the value; nothing is applied.
func TestEntraPatchRefusals(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		scimType scimerrors.ScimType
		mentions []string
	}{
		{"active neither true nor false", `{"Operations":[{"op":"Replace","path":"active","value":"maybe"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", "maybe"}},
		{"active 1 is not a boolean", `{"Operations":[{"op":"replace","path":"active","value":"1"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", `"1"`}},
		{"isAgent 7", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":7}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"isAgent", "7"}},
		{"isAgent 1 is not true", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":1}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"isAgent", "1"}},
		{"manager id that is a boolean", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":true}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"manager", "true"}},
		{"custom attribute is a list of two", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCentre","value":["a","b"]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"costCentre", `["a","b"]`}},
		{"work email is a list of two", `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":["a","b"]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"emails", `["a","b"]`}},
		{"emails element is a boolean", `{"Operations":[{"op":"replace","path":"emails","value":[true]}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"emails", "true"}},
		{"unknown op", `{"Operations":[{"op":"Update","path":"title","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"update"}},
		{"remove without path", `{"Operations":[{"op":"remove","value":{"title":"x"}}]}`,
			scimerrors.ScimTypeNoTarget, []string{"path"}},
		{"path-less value is not an object", `{"Operations":[{"op":"replace","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{`"x"`}},
		{"path-less key does not parse", `{"Operations":[{"op":"replace","value":{"emails[type eq":"x"}}]}`,
			scimerrors.ScimTypeInvalidPath, []string{"emails[type eq"}},
		{"long value is shortened in the detail", `{"Operations":[{"op":"replace","path":"active","value":"` + strings.Repeat("é", 200) + `"}]}`,
			scimerrors.ScimTypeInvalidValue, []string{"active", "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mappingtest.BaseUser()
			ops, _, err := dialectPatch(t, tt.body, userSchemas, dialect.Users)
			if err == nil {
				_, err = mapping.ApplyUserPatch(&u, ops, entraOpts)
			}
			se := mappingtest.CheckBadRequest(t, err, tt.scimType, tt.mentions...)
			if len(se.Detail) > 300 {
				t.Errorf("detail is %d bytes long", len(se.Detail))
			}
			if !reflect.DeepEqual(u, mappingtest.BaseUser()) {
				t.Errorf("user changed despite the error: %+v", u)
			}
		})
	}
}

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
	tests := []mappingtest.UserPatchCase{
		// Entra's default ("legacy") dialect: capitalised ops, one op per attribute.
		{
			Name:  "legacy replace work email and family name",
			Start: mappingtest.BaseUser(),
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.FamilyName = "updatedEmail@microsoft.com", "updatedFamilyName"
			}),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldFamilyName),
		},
		{
			Name:    "legacy replace userName",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.UserName = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" }),
			Touched: mappingtest.Fields(mapping.FieldUserName),
		},
		{
			Name:  "legacy multi-attribute update",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"Replace","path":"displayName","value":"Pvlo"},
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
				{"op":"Replace","path":"name.givenName","value":"Gtfd"},
				{"op":"Replace","path":"name.familyName","value":"Pkqf"},
				{"op":"Replace","path":"externalId","value":"Eqpj"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.WorkEmail, u.GivenName, u.FamilyName, u.ExternalID =
					"Pvlo", "TestBcwqnm@test.microsoft.com", "Gtfd", "Pkqf", "Eqpj"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Eqpj"}
			}),
			Touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldWorkEmail, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldExternalID, mapping.FieldKept),
		},
		{
			Name:    "legacy add of a single-valued attribute fsscim keeps",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Add","path":"nickName","value":"Babs"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Kept = map[string]string{"nickName": "Babs"} }),
			Touched: mappingtest.Fields(mapping.FieldKept),
		},
		// Entra's aadOptscim062020 dialect: lower-case ops, path-less replace.
		{
			Name:  "flagged path-less replace with dotted and URN keys",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"emails[type eq \"work\"].value","value":"TestMhvaes@test.microsoft.com"},
				{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
					"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.DisplayName, u.GivenName, u.FamilyName = "TestMhvaes@test.microsoft.com", "Bjfe", "Kkom", "Unua"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Aklq"}
			}),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldDisplayName, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldKept),
		},
		{
			Name:  "path-less add with dotted keys",
			Start: mapping.User{UserName: "foo@contoso.com"},
			Body: `{"Operations":[{"op":"add","value":{"displayName":"Foo Bar","title":"Bar Foo",
				"name.givenName":"Foo","name.familyName":"Bar","name.formatted":"Foo Bar"}}]}`,
			Want:    mapping.User{UserName: "foo@contoso.com", DisplayName: "Foo Bar", Title: "Bar Foo", GivenName: "Foo", FamilyName: "Bar", FormattedName: "Foo Bar"},
			Touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldTitle, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldFormattedName),
		},
		{
			Name:  "path-less replace of extension keys only",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization":"organization",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"department"}}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Department, u.Kept = "department", map[string]string{mapping.SchemaEnterprise + ":organization": "organization"}
			}),
			Touched: mappingtest.Fields(mapping.FieldDepartment, mapping.FieldKept),
		},
		{
			Name:  "path-less nested extension object",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
				{"department":"Sales","manager":{"value":"99"},"costCenter":"X"}}}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Department, u.ManagerID, u.Kept = "Sales", "99", map[string]string{mapping.SchemaEnterprise + ":costCenter": "X"}
			}),
			Touched: mappingtest.Fields(mapping.FieldDepartment, mapping.FieldManager, mapping.FieldKept),
		},
		{
			Name:    "path-less nested name object",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"name":{"givenName":"G"}}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.GivenName = "G" }),
			Touched: mappingtest.Fields(mapping.FieldGivenName),
		},
		{
			Name:  "path-less keys in any case",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"Replace","value":{"DISPLAYNAME":"Upper","Name.GivenName":"Mixed",
				"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department":"Ops","ACTIVE":"false"}}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.GivenName, u.Department, u.Active = "Upper", "Mixed", "Ops", false
			}),
			Touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldGivenName, mapping.FieldDepartment, mapping.FieldActive),
		},
		{
			Name:    "path is the bare enterprise URN with an object value",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"Legal"}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Department = "Legal" }),
			Touched: mappingtest.Fields(mapping.FieldDepartment),
		},
		{
			Name:    "op and path in upper case",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"REPLACE","path":"TITLE","value":"Boss"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "Boss" }),
			Touched: mappingtest.Fields(mapping.FieldTitle),
		},
		// Disable and re-enable in both dialects.
		{
			Name:    "legacy disable with string False",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Active = false }),
			Touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			Name:    "S1 disable with Replace and boolean false",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Replace","path":"active","value":false}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Active = false }),
			Touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			Name:    "legacy re-enable with string True",
			Start:   mapping.User{ID: "42", Active: false},
			Body:    `{"Operations":[{"op":"Replace","path":"active","value":"True"}]}`,
			Want:    mapping.User{ID: "42", Active: true},
			Touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			Name:    "re-enable with an admin-edited lower-case string",
			Start:   mapping.User{ID: "42"},
			Body:    `{"Operations":[{"op":"replace","path":"active","value":"true"}]}`,
			Want:    mapping.User{ID: "42", Active: true},
			Touched: mappingtest.Fields(mapping.FieldActive),
		},
		// Every form Entra sends the manager in.
		{
			Name:    "manager legacy array with $ref on a path without URN",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://example.com/scim/Users/00aa00aa","value":"00aa00aa"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "00aa00aa" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			Name:    "manager plain string",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"271"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "271" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			Name:    "manager number",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":271}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "271" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			Name:    "remove manager with a filter naming the current manager",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"manager[value eq \"7\"]"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			// Entra names the manager it set; the manager is single-valued, so the filter is dropped and
			// the manager cleared whoever it is.
			Name:    "remove manager with a filter naming another manager",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"manager[value eq \"8\"]"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			Name:    "remove manager with a filter when the current manager is not loaded",
			Start:   mapping.User{ID: "42"},
			Body:    `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"8\"]"}]}`,
			Want:    mapping.User{ID: "42"},
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			Name:    "manager null clears",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":null}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		{
			// A manager object without a value names no manager: the user has none.
			Name:    "manager display name only clears the manager",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"displayName":"Boss"}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.ManagerID = "" }),
			Touched: mappingtest.Fields(mapping.FieldManager),
		},
		// Filtered paths on multi-valued attributes, creating the element when absent.
		{
			Name:    "add work email when the user has none",
			Start:   mapping.User{ID: "42", UserName: "a@contoso.com"},
			Body:    `{"Operations":[{"op":"Add","path":"emails[type eq \"work\"].value","value":"a.work@contoso.com"}]}`,
			Want:    mapping.User{ID: "42", UserName: "a@contoso.com", WorkEmail: "a.work@contoso.com"},
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			Name:  "work and mobile phone",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-0101"},
				{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-0102"},
				{"op":"Add","path":"phoneNumbers[type eq \"fax\"].value","value":"555-0103"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "555-0101", "555-0102" }),
			Touched: mappingtest.Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			Ignored: []string{`phoneNumbers[type eq "fax"].value`},
		},
		{
			Name:    "phone sent as a number keeps its digits",
			Start:   mapping.User{},
			Body:    `{"Operations":[{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":55555555555}]}`,
			Want:    mapping.User{WorkPhone: "55555555555"},
			Touched: mappingtest.Fields(mapping.FieldWorkPhone),
		},
		{
			Name:  "work address formatted, other address parts ignored",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"2 Side St"},
				{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Side St"},
				{"op":"Add","path":"addresses[type eq \"other\"].Formatted","value":"elsewhere"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkAddress = "2 Side St" }),
			Touched: mappingtest.Fields(mapping.FieldWorkAddress),
			Ignored: []string{`addresses[type eq "work"].streetAddress`, `addresses[type eq "other"].Formatted`},
		},
		{
			Name:    "other email with a capital V is ignored",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Replace","path":"emails[type eq \"other\"].Value","value":"o@contoso.com"}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{`emails[type eq "other"].Value`},
		},
		{
			Name:    "filter and sub-attribute in upper case",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Replace","path":"EMAILS[TYPE EQ \"Work\"].VALUE","value":"W@contoso.com"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "W@contoso.com" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "filtered path as a path-less key",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"phoneNumbers[type eq \"mobile\"].value":"555-0999"}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "555-0999" }),
			Touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			Name:    "remove phones with a value list",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Remove","path":"phoneNumbers","value":[{"type":"mobile","value":"555-0199"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			Touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			Name:    "remove emails with a value list naming the address",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Remove","path":"emails","value":[{"value":"WORK@contoso.com"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		// Whole multi-valued replacement.
		{
			Name:    "replace emails without a work one takes the primary",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"emails","value":[{"value":"a@x.com"},{"value":"b@x.com","primary":"True"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "b@x.com" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
			Ignored: []string{`emails[type eq ""]`},
		},
		{
			Name:    "add addresses with only an unmapped type is ignored",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"addresses","value":[{"type":"home","formatted":"x"}]}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{`addresses[type eq "home"]`},
		},
		{
			Name:  "path-less replace with whole lists",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{"emails":[{"type":"work","value":"l@contoso.com"}],
				"addresses":[{"type":"work","formatted":"9 Loop"}]}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail, u.WorkAddress = "l@contoso.com", "9 Loop" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldWorkAddress),
		},
		// Remove and null.
		{
			Name:    "remove title",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Remove","path":"title"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "" }),
			Touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			Name:    "remove title with a value",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Remove","path":"title","value":"Engineer"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "" }),
			Touched: mappingtest.Fields(mapping.FieldTitle),
		},
		// Freshservice extension.
		{
			Name:  "freshservice extension isAgent string, location and custom attributes (a number as written)",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"True"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:location","value":"Berlin"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:COSTCENTRE","value":"CC-9"},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badgeNumber","value":1234},
				{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize","value":"44"}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.IsAgent, u.AgentText, u.Location = mappingtest.Bool(true), "True", "Berlin"
				u.Custom = map[string]any{"costCentre": "CC-9", "badgeNumber": "1234"}
			}),
			Touched: mappingtest.Fields(mapping.FieldIsAgent, mapping.FieldLocation, mapping.FieldCustom),
			Ignored: []string{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize"},
		},
		{
			Name:    "custom attribute on a user without custom values",
			Start:   mapping.User{},
			Body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User":{"isAgent":false,"badgeNumber":"B7"}}}]}`,
			Want:    mapping.User{IsAgent: mappingtest.Bool(false), AgentText: "false", Custom: map[string]any{"badgeNumber": "B7"}},
			Touched: mappingtest.Fields(mapping.FieldIsAgent, mapping.FieldCustom),
		},
		{
			Name:    "enterprise _location, Freshservice's own app mapping",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:_location":"Paris"}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Location, u.EnterpriseLocation = "Paris", true }),
			Touched: mappingtest.Fields(mapping.FieldLocation),
		},
		// roles are not mapped.
		{
			Name:  "roles with JSON-encoded values are ignored",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"Add","path":"roles","value":[
				{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"roles"},
		},
		{
			Name:    "an unknown extension is ignored",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier":"gold"}}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier"},
		},
		{
			Name:    "displayName wrapped as older Microsoft clients sent it",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"Replace","path":"displayName","value":[{"$ref":null,"value":"Wrapped"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.DisplayName = "Wrapped" }),
			Touched: mappingtest.Fields(mapping.FieldDisplayName),
		},
	}
	for _, tt := range append(tests, mappingtest.UserPatchCases()...) {
		t.Run(tt.Name, func(t *testing.T) {
			ops, rep, err := dialectPatch(t, tt.Body, userSchemas, dialect.Users)
			if err != nil {
				t.Fatalf("dialect.Patch: %v", err)
			}
			u := tt.Start
			got, err := mapping.ApplyUserPatch(&u, ops, optsFor(entraOpts, rep))
			tt.CheckApplied(t, u, got, err)
			if ignored := sortedNames(append(rep.Ignored, got.Ignored...)); !reflect.DeepEqual(ignored, sortedNames(tt.Ignored)) {
				t.Errorf("ignored = %q, want %q", ignored, sortedNames(tt.Ignored))
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

package dialect_test

import (
	"reflect"
	"slices"
	"sort"
	"strconv"
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

// patchRequest decodes a PATCH body as the HTTP surface does, its schemas added when absent.
func patchRequest(tb testing.TB, body string) map[string]any {
	tb.Helper()
	req := mappingtest.DecodeBody(tb, body)
	if _, has := req["schemas"]; !has {
		req["schemas"] = []any{mapping.SchemaPatchOp}
	}
	return req
}

// dialectPatch puts a PATCH body in standard form.
func dialectPatch(tb testing.TB, body string, known dialect.Schemas, resource string) ([]mapping.PatchOp, dialect.Report, error) {
	tb.Helper()
	return dialect.Patch(patchRequest(tb, body), resource, known)
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

// spelling is one way a client writes a standard request body: its PATCH op names, and the booleans
// in its values.
type spelling struct {
	name    string
	op      func(string) string
	boolean func(bool) any
}

// entraSpellings are the spellings of standard PATCH bodies fsscim is sent: Entra's default
// ("legacy") dialect capitalises ops and sends booleans as "True" and "False"; other clients
// capitalise ops only or write them in upper case; admins editing a mapping write "true".
var entraSpellings = []spelling{
	{"legacy", capitalise, legacyBoolean},
	{"capitalised ops", capitalise, asBoolean},
	{"ops in upper case", strings.ToUpper, asBoolean},
	{"booleans as lower-case strings", asSent, textBoolean},
}

func legacyBoolean(b bool) any { return capitalise(strconv.FormatBool(b)) }

func textBoolean(b bool) any { return strconv.FormatBool(b) }

func asBoolean(b bool) any { return b }

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func asSent(s string) string { return s }

// respell rewrites a decoded PATCH request in spelling sp: each op's name, and every boolean in each
// op's value.
func (sp spelling) respell(req map[string]any) {
	ops, _ := req["Operations"].([]any)
	for _, raw := range ops {
		op, _ := raw.(map[string]any)
		if name, ok := op["op"].(string); ok {
			op["op"] = sp.op(name)
		}
		if v, ok := op["value"]; ok {
			op["value"] = sp.booleans(v)
		}
	}
}

func (sp spelling) booleans(v any) any {
	switch v := v.(type) {
	case bool:
		return sp.boolean(v)
	case map[string]any:
		for k, e := range v {
			v[k] = sp.booleans(e)
		}
	case []any:
		for i, e := range v {
			v[i] = sp.booleans(e)
		}
	}
	return v
}

// checkEntraPatch puts req in standard form, applies it to the case's user and checks the user it
// makes. What is ignored is what the dialect and mapping together report as not mapped.
func checkEntraPatch(t *testing.T, tt mappingtest.UserPatchCase, req map[string]any) {
	t.Helper()
	ops, rep, err := dialect.Patch(req, dialect.Users, userSchemas)
	if err != nil {
		t.Fatalf("dialect.Patch: %v", err)
	}
	u := tt.Start
	got, err := mapping.ApplyUserPatch(&u, ops, optsFor(entraOpts, rep))
	tt.CheckApplied(t, u, got, err)
	if ignored := sortedNames(append(rep.Ignored, got.Ignored...)); !reflect.DeepEqual(ignored, sortedNames(tt.Ignored)) {
		t.Errorf("ignored = %q, want %q", ignored, sortedNames(tt.Ignored))
	}
}

// TestEntraSpellsStandardPatches sends each standard PATCH case through the dialect and mapping as it
// is and in each of Entra's spellings, and checks that every spelling makes the same user.
func TestEntraSpellsStandardPatches(t *testing.T) {
	for _, tt := range mappingtest.UserPatchCases() {
		t.Run(tt.Name, func(t *testing.T) {
			checkEntraPatch(t, tt, patchRequest(t, tt.Body))
			for _, sp := range entraSpellings {
				t.Run(sp.name, func(t *testing.T) {
					req := patchRequest(t, tt.Body)
					sp.respell(req)
					checkEntraPatch(t, tt, req)
				})
			}
		})
	}
}

// TestEntraPatchForms sends the PATCH forms only the dialect reads (the manager's forms, path-less
// values with dotted, URN-qualified and nested keys, string booleans in a path-less value, numbers
// and wrapped values) through the dialect and mapping, and checks the user they make.
func TestEntraPatchForms(t *testing.T) {
	tests := []mappingtest.UserPatchCase{
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
		{
			Name:    "phone sent as a number keeps its digits",
			Start:   mapping.User{},
			Body:    `{"Operations":[{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":55555555555}]}`,
			Want:    mapping.User{WorkPhone: "55555555555"},
			Touched: mappingtest.Fields(mapping.FieldWorkPhone),
		},
		{
			Name:    "filtered path as a path-less key",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"phoneNumbers[type eq \"mobile\"].value":"555-0999"}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "555-0999" }),
			Touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			Name:  "custom attribute sent as a number keeps its digits",
			Start: mappingtest.BaseUser(),
			Body:  `{"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badgeNumber","value":1234}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Custom = map[string]any{"costCentre": "CC-1", "badgeNumber": "1234"}
			}),
			Touched: mappingtest.Fields(mapping.FieldCustom),
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
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			checkEntraPatch(t, tt, patchRequest(t, tt.Body))
		})
	}
}

// TestEntraPatchRefusals: forms the dialect cannot put in standard form reach mapping as they were
// sent, and are refused with a SCIM 400 that names the attribute and the value; nothing is applied.
// The standard refusals, which the dialect hands on unchanged, are refused as mapping refuses them.
func TestEntraPatchRefusals(t *testing.T) {
	entraOnly := []mappingtest.UserPatchRefusal{
		mappingtest.Refusal("active neither true nor false, with a capitalised op", `{"Operations":[{"op":"Replace","path":"active","value":"maybe"}]}`,
			scimerrors.ScimTypeInvalidValue, "active", "maybe"),
		mappingtest.Refusal("active 1 is not a boolean", `{"Operations":[{"op":"replace","path":"active","value":"1"}]}`,
			scimerrors.ScimTypeInvalidValue, "active", `"1"`),
		mappingtest.Refusal("isAgent 7", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":7}]}`,
			scimerrors.ScimTypeInvalidValue, "isAgent", "7"),
		mappingtest.Refusal("unknown op", `{"Operations":[{"op":"Update","path":"title","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, "update"),
		mappingtest.Refusal("path-less key does not parse", `{"Operations":[{"op":"replace","value":{"emails[type eq":"x"}}]}`,
			scimerrors.ScimTypeInvalidPath, "emails[type eq"),
	}
	for _, tt := range append(entraOnly, mappingtest.UserPatchRefusals()...) {
		t.Run(tt.Name, func(t *testing.T) {
			u := mappingtest.BaseUser()
			ops, _, err := dialectPatch(t, tt.Body, userSchemas, dialect.Users)
			if err == nil {
				_, err = mapping.ApplyUserPatch(&u, ops, entraOpts)
			}
			se := mappingtest.CheckBadRequest(t, err, tt.ScimType, tt.Mentions...)
			if len(se.Detail) > 300 {
				t.Errorf("detail is %d bytes long", len(se.Detail))
			}
			if !reflect.DeepEqual(u, mappingtest.BaseUser()) {
				t.Errorf("user changed despite the error: %+v", u)
			}
		})
	}
}

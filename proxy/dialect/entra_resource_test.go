package dialect_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
	"github.com/fsscim/fsscim/proxy/dialect"
)

// dialectResource puts a POST or PUT body in standard form, as the HTTP surface does before it
// validates the body.
func dialectResource(tb testing.TB, body string, known dialect.Schemas, resource string) (map[string]any, dialect.Report) {
	tb.Helper()
	attrs := mappingtest.DecodeBody(tb, body)
	rep, err := dialect.Resource(attrs, resource, known)
	if err != nil {
		tb.Fatalf("dialect.Resource: %v", err)
	}
	return attrs, rep
}

// entraBodySpellings are the spellings of standard POST and PUT bodies fsscim is sent: Entra's
// default mapping writes booleans as "True" and "False", an admin's own expression as "true".
var entraBodySpellings = []spelling{
	{"legacy", asSent, legacyBoolean},
	{"booleans as lower-case strings", asSent, textBoolean},
}

// checkEntraResource puts attrs in standard form, reads the user from them and checks it.
func checkEntraResource(t *testing.T, tt mappingtest.UserReadCase, attrs map[string]any) {
	t.Helper()
	rep, err := dialect.Resource(attrs, dialect.Users, userSchemas)
	if err != nil {
		t.Fatalf("dialect.Resource: %v", err)
	}
	u, set, _, err := mapping.UserFromAttributes(attrs, optsFor(entraOpts, rep))
	tt.CheckRead(t, u, set, err)
}

// TestEntraSpellsStandardBodies reads each standard create and replace body through the dialect
// and mapping as it is and in each of Entra's spellings, and checks that every spelling makes the
// same user and sets the same attributes.
func TestEntraSpellsStandardBodies(t *testing.T) {
	for _, tt := range mappingtest.UserReadCases() {
		t.Run(tt.Name, func(t *testing.T) {
			checkEntraResource(t, tt, mappingtest.DecodeBody(t, tt.Body))
			for _, sp := range entraBodySpellings {
				t.Run(sp.name, func(t *testing.T) {
					attrs := mappingtest.DecodeBody(t, tt.Body)
					sp.booleans(attrs)
					checkEntraResource(t, tt, attrs)
				})
			}
		})
	}
}

// TestEntraResourceForms sends the create and replace forms only the dialect reads (string booleans
// in any case, JSON booleans and numbers for strings, single objects for lists, the manager's and
// the location's forms, wrapped values) through the dialect and mapping, and checks the user they
// make and the attributes they set.
func TestEntraResourceForms(t *testing.T) {
	yes, no := true, false
	tests := []mappingtest.UserReadCase{
		{
			Name: "active with white space and odd case",
			Body: `{"userName":"a@x.com","active":" fALSE "}`,
			Want: mapping.User{UserName: "a@x.com", Active: false},
			Set:  []mapping.Field{mapping.FieldActive},
		},
		{
			Name: "isAgent as a boolean",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"isAgent":false}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, IsAgent: &no, AgentText: "false"},
			Set:  []mapping.Field{mapping.FieldIsAgent},
		},
		{
			Name: "URN-qualified keys at the top level",
			Body: `{"userName":"a@x.com","` + entURN + `:department":"Sales","` + fsURN + `:isAgent":"true"}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, Department: "Sales", IsAgent: &yes, AgentText: "true"},
			Set:  []mapping.Field{mapping.FieldDepartment, mapping.FieldIsAgent},
		},
		{
			Name: "multi-valued sent as one object",
			Body: `{"userName":"a@x.com","phoneNumbers":{"type":"work","value":"123"}}`,
			Want: mapping.User{UserName: "a@x.com", WorkPhone: "123", Active: true},
			Set:  []mapping.Field{mapping.FieldWorkPhone, mapping.FieldMobilePhone},
		},
		{
			Name: "phone number sent as a number keeps its digits",
			Body: `{"userName":"a@x.com","phoneNumbers":[{"type":"mobile","value":55555555555}]}`,
			Want: mapping.User{UserName: "a@x.com", MobilePhone: "55555555555", Active: true},
			Set:  []mapping.Field{mapping.FieldMobilePhone},
		},
		{
			Name: "title wrapped as older Microsoft clients sent it",
			Body: `{"userName":"a@x.com","title":[{"$ref":null,"value":"Lead"}]}`,
			Want: mapping.User{UserName: "a@x.com", Title: "Lead", Active: true},
			Set:  []mapping.Field{mapping.FieldTitle},
		},
		{
			Name: "manager as a plain id",
			Body: `{"userName":"a@x.com","` + entURN + `":{"manager":"42"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, ManagerID: "42"},
			Set:  []mapping.Field{mapping.FieldManager},
		},
		{
			Name: "manager as a list with $ref",
			Body: `{"userName":"a@x.com","` + entURN + `":{"manager":[{"$ref":"https://x/scim/v2/Users/43","value":"43"}]}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, ManagerID: "43"},
			Set:  []mapping.Field{mapping.FieldManager},
		},
		{
			Name: "manager as a number",
			Body: `{"userName":"a@x.com","` + entURN + `":{"manager":{"value":12}}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, ManagerID: "12"},
			Set:  []mapping.Field{mapping.FieldManager},
		},
		{
			Name: "manager as an empty list",
			Body: `{"userName":"a@x.com","` + entURN + `":{"manager":[]}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldManager},
		},
		{
			Name: "location as the Freshservice app's enterprise _location",
			Body: `{"userName":"a@x.com","` + entURN + `":{"_location":"Bengaluru HQ"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, Location: "Bengaluru HQ", EnterpriseLocation: true},
			Set:  []mapping.Field{mapping.FieldLocation},
		},
		{
			Name: "Freshservice extension location wins over enterprise _location",
			Body: `{"userName":"a@x.com","` + entURN + `":{"_location":"Old"},"` + fsURN + `":{"location":"New"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, Location: "New", EnterpriseLocation: true},
			Set:  []mapping.Field{mapping.FieldLocation},
		},
		{
			Name: "custom attributes sent as a number and a boolean are their text",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"badgeNumber":1187,"costCentre":false}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, Custom: map[string]any{"badgeNumber": "1187", "costCentre": "false"}},
			Set:  []mapping.Field{mapping.FieldCustom},
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			checkEntraResource(t, tt, mappingtest.DecodeBody(t, tt.Body))
		})
	}
}

// TestEntraResourceRefusals: values the one coercion does not read as their attribute's type reach
// mapping as sent and are refused, naming the attribute.
func TestEntraResourceRefusals(t *testing.T) {
	tests := []struct{ name, body, mention string }{
		{"isAgent 1 is not a boolean", `{"userName":"a@x.com","` + fsURN + `":{"isAgent":"1"}}`, "isAgent"},
		{"isAgent 0 is not a boolean", `{"userName":"a@x.com","` + fsURN + `":{"isAgent":0}}`, "isAgent"},
		{"userName as a number", `{"userName":42}`, "userName"},
		{"title as an object without a value", `{"userName":"a@x.com","title":{"text":"Lead"}}`, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs, _ := dialectResource(t, tt.body, userSchemas, dialect.Users)
			_, _, _, err := mapping.UserFromAttributes(attrs, entraOpts)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error = %v, want one naming %s", err, tt.mention)
			}
		})
	}
}

// TestEntraGroupForms: group bodies and member operations as clients send them.
func TestEntraGroupForms(t *testing.T) {
	attrs, _ := dialectResource(t, `{"displayName":"Sales","members":[{"$ref":null,"value":"42","display":"Ann Lee"},{"value":43,"type":"User"}]}`, groupSchemas, dialect.Groups)
	g, err := mapping.GroupFromAttributes(attrs)
	if err != nil {
		t.Fatalf("GroupFromAttributes: %v", err)
	}
	if want := []mapping.Member{{Value: "42", Display: "Ann Lee"}, {Value: "43"}}; !reflect.DeepEqual(g.Members, want) {
		t.Errorf("members = %+v, want %+v", g.Members, want)
	}

	attrs, _ = dialectResource(t, `{"displayName":"One","members":{"value":"9"}}`, groupSchemas, dialect.Groups)
	if g, err = mapping.GroupFromAttributes(attrs); err != nil || !reflect.DeepEqual(g.Members, []mapping.Member{{Value: "9"}}) {
		t.Errorf("a single member object: members = %+v, err %v", g.Members, err)
	}

	ops, _, err := dialectPatch(t, `{"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":17}]},
		{"op":"Replace","value":{"displayName":[{"value":"Renamed"}]}},
		{"op":"Remove","path":"members","value":[{"$ref":null,"value":"18"}]}]}`, groupSchemas, dialect.Groups)
	if err != nil {
		t.Fatalf("dialect.Patch: %v", err)
	}
	c, err := mapping.ApplyGroupPatch(ops)
	if err != nil {
		t.Fatalf("ApplyGroupPatch: %v", err)
	}
	if c.DisplayName == nil || *c.DisplayName != "Renamed" || !reflect.DeepEqual(c.Add, []string{"17"}) || !reflect.DeepEqual(c.Remove, []string{"18"}) {
		t.Errorf("change = %+v (display name %v)", c, c.DisplayName)
	}
}

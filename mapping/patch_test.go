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
	tests := []mappingtest.UserPatchCase{
		{
			Name:  "replace work email and family name",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.WorkEmail, u.FamilyName = "updatedEmail@microsoft.com", "updatedFamilyName"
			}),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail, mapping.FieldFamilyName),
		},
		{
			Name:    "replace userName",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"userName","value":"5b50642d@testuser.com"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.UserName = "5b50642d@testuser.com" }),
			Touched: mappingtest.Fields(mapping.FieldUserName),
		},
		{
			Name:  "several attributes, one kept by fsscim",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"displayName","value":"Pvlo"},
				{"op":"replace","path":"name.givenName","value":"Gtfd"},
				{"op":"replace","path":"externalId","value":"Eqpj"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.GivenName, u.ExternalID = "Pvlo", "Gtfd", "Eqpj"
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":employeeNumber": "Eqpj"}
			}),
			Touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldGivenName, mapping.FieldExternalID, mapping.FieldKept),
		},
		{
			Name:    "add of an unmapped attribute",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"ims","value":[{"value":"babs","type":"xmpp"}]}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"ims"},
		},
		{
			Name:  "path-less replace of attributes by name",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{"displayName":"Bjfe","title":"Lead","active":false,
				"name":{"givenName":"Kkom","familyName":"Unua"}}}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.DisplayName, u.Title, u.Active, u.GivenName, u.FamilyName = "Bjfe", "Lead", false, "Kkom", "Unua"
			}),
			Touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldTitle, mapping.FieldActive, mapping.FieldGivenName, mapping.FieldFamilyName),
		},
		{
			Name:  "path-less extension objects",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[{"op":"replace","value":{
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"99"},"costCenter":"X"},
				"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User":{"isAgent":"true","badgeNumber":"B7"}}}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.Department, u.ManagerID, u.IsAgent, u.AgentText = "Sales", "99", mappingtest.Bool(true), "true"
				u.Custom = map[string]any{"costCentre": "CC-1", "badgeNumber": "B7"}
				u.Kept = map[string]string{mapping.SchemaEnterprise + ":costCenter": "X"}
			}),
			Touched: mappingtest.Fields(mapping.FieldDepartment, mapping.FieldManager, mapping.FieldIsAgent, mapping.FieldCustom, mapping.FieldKept),
		},
		{
			Name:    "path-less attribute names in any case",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"DISPLAYNAME":"Upper","Name":{"GivenName":"Mixed"}}}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.DisplayName, u.GivenName = "Upper", "Mixed" }),
			Touched: mappingtest.Fields(mapping.FieldDisplayName, mapping.FieldGivenName),
		},
		{
			Name:    "a path-less key that is a path names no attribute",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"name.givenName":"Dotted"}}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"name.givenName"},
		},
		{
			Name:    "path in upper case",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"TITLE","value":"Boss"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "Boss" }),
			Touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			Name:    "re-enable",
			Start:   mapping.User{ID: "42", Active: false},
			Body:    `{"Operations":[{"op":"replace","path":"active","value":true}]}`,
			Want:    mapping.User{ID: "42", Active: true},
			Touched: mappingtest.Fields(mapping.FieldActive),
		},
		{
			Name:    "manager object without a value names no manager",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{}}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{mapping.SchemaEnterprise + ":manager"},
		},
		{
			Name:    "add work email when the user has none",
			Start:   mapping.User{ID: "42", UserName: "a@contoso.com"},
			Body:    `{"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"a.work@contoso.com"}]}`,
			Want:    mapping.User{ID: "42", UserName: "a@contoso.com", WorkEmail: "a.work@contoso.com"},
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			Name:  "work and mobile phone, fax unmapped",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-0101"},
				{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-0102"},
				{"op":"add","path":"phoneNumbers[type eq \"fax\"].value","value":"555-0103"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkPhone, u.MobilePhone = "555-0101", "555-0102" }),
			Touched: mappingtest.Fields(mapping.FieldWorkPhone, mapping.FieldMobilePhone),
			Ignored: []string{`phoneNumbers[type eq "fax"].value`},
		},
		{
			Name:  "work address formatted, other address parts ignored",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"replace","path":"addresses[type eq \"work\"].formatted","value":"2 Side St"},
				{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Side St"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkAddress = "2 Side St" }),
			Touched: mappingtest.Fields(mapping.FieldWorkAddress),
			Ignored: []string{`addresses[type eq "work"].streetAddress`},
		},
		{
			Name:    "filter and sub-attribute in upper case",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"EMAILS[TYPE EQ \"Work\"].VALUE","value":"W@contoso.com"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "W@contoso.com" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "remove phones with a value list",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"phoneNumbers","value":[{"type":"mobile","value":"555-0199"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.MobilePhone = "" }),
			Touched: mappingtest.Fields(mapping.FieldMobilePhone),
		},
		{
			Name:    "remove emails with a value list naming the address",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"emails","value":[{"value":"WORK@contoso.com"}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "replace emails without a work one takes the primary",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"emails","value":[{"value":"a@x.com"},{"value":"b@x.com","primary":true}]}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.WorkEmail = "b@x.com" }),
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
			Ignored: []string{`emails[type eq ""]`},
		},
		{
			Name:  "add an email of another type keeps the work email",
			Start: mappingtest.BaseUser(),
			Body:  `{"Operations":[{"op":"add","path":"emails","value":[{"value":"home2@example.com","type":"home"}]}]}`,
			Want:  mappingtest.BaseUser(),
			// fsscim keeps the work email only.
			Ignored: []string{`emails[type eq "home"]`},
		},
		{
			Name:    "add an untyped email keeps the work email",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"emails","value":[{"value":"other@example.com"}]}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{`emails[type eq ""]`},
		},
		{
			Name:    "add an untyped email to a user without a work email makes it the work email",
			Start:   mapping.User{ID: "42"},
			Body:    `{"Operations":[{"op":"add","path":"emails","value":[{"value":"first@example.com"}]}]}`,
			Want:    mapping.User{ID: "42", WorkEmail: "first@example.com"},
			Touched: mappingtest.Fields(mapping.FieldWorkEmail),
		},
		{
			Name:    "remove title",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"remove","path":"title"}]}`,
			Want:    mappingtest.BaseWith(func(u *mapping.User) { u.Title = "" }),
			Touched: mappingtest.Fields(mapping.FieldTitle),
		},
		{
			Name:  "Freshservice extension: isAgent, location and custom attributes",
			Start: mappingtest.BaseUser(),
			Body: `{"Operations":[
				{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:isAgent","value":"TRUE"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:location","value":"Berlin"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:COSTCENTRE","value":"CC-9"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize","value":"44"}]}`,
			Want: mappingtest.BaseWith(func(u *mapping.User) {
				u.IsAgent, u.AgentText, u.Location = mappingtest.Bool(true), "TRUE", "Berlin"
				u.Custom = map[string]any{"costCentre": "CC-9"}
			}),
			Touched: mappingtest.Fields(mapping.FieldIsAgent, mapping.FieldLocation, mapping.FieldCustom),
			Ignored: []string{"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:shoeSize"},
		},
		{
			Name:    "roles are not mapped",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"add","path":"roles","value":[{"value":"Admin"}]}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"roles"},
		},
		{
			Name:    "an unknown extension is ignored",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier","value":"gold"}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"urn:ietf:params:scim:schemas:extension:Contoso:2.0:User:tier"},
		},
	}
	for _, tt := range append(tests, mappingtest.UserPatchCases()...) {
		t.Run(tt.Name, func(t *testing.T) {
			u := tt.Start
			got, err := mapping.ApplyUserPatch(&u, patchTestOps(t, tt.Body), patchTestOpts)
			tt.CheckApplied(t, u, got, err)
			if !reflect.DeepEqual(got.Ignored, tt.Ignored) {
				t.Errorf("ignored = %q, want %q", got.Ignored, tt.Ignored)
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

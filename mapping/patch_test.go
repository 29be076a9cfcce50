package mapping_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
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
// on, to a user: the standard cases, which proxy/dialect also sends in Entra's spellings, and those
// mapping alone reads so.
func TestApplyUserPatch(t *testing.T) {
	tests := []mappingtest.UserPatchCase{
		// The dialect reads both of these otherwise: it splits dotted keys and clears the manager.
		{
			Name:    "a path-less key that is a path names no attribute",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","value":{"name.givenName":"Dotted"}}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{"name.givenName"},
		},
		{
			Name:    "manager object without a value names no manager",
			Start:   mappingtest.BaseUser(),
			Body:    `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{}}]}`,
			Want:    mappingtest.BaseUser(),
			Ignored: []string{mapping.SchemaEnterprise + ":manager"},
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

// TestApplyUserPatchErrors: the standard refusals (shared with proxy/dialect), and forms only the
// dialect reads, are refused with a SCIM 400 naming the attribute and the value; nothing is applied.
func TestApplyUserPatchErrors(t *testing.T) {
	tests := []mappingtest.UserPatchRefusal{
		mappingtest.Refusal("title is a boolean", `{"Operations":[{"op":"replace","path":"title","value":true}]}`,
			scimerrors.ScimTypeInvalidValue, "title", "true"),
		// What the dialect puts in standard form is refused when it reaches mapping as sent.
		mappingtest.Refusal("active as a string", `{"Operations":[{"op":"replace","path":"active","value":"False"}]}`,
			scimerrors.ScimTypeInvalidValue, "active", `"False"`),
		mappingtest.Refusal("op in capitals", `{"Operations":[{"op":"Replace","path":"title","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, "Replace"),
		mappingtest.Refusal("manager as a plain id", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"271"}]}`,
			scimerrors.ScimTypeInvalidValue, "manager", `"271"`),
		mappingtest.Refusal("phone as a number", `{"Operations":[{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":5555}]}`,
			scimerrors.ScimTypeInvalidValue, "phoneNumbers", "5555"),
		mappingtest.Refusal("emails as one object", `{"Operations":[{"op":"replace","path":"emails","value":{"type":"work","value":"a@x.com"}}]}`,
			scimerrors.ScimTypeInvalidValue, "emails"),
		mappingtest.Refusal("displayName wrapped in a list", `{"Operations":[{"op":"replace","path":"displayName","value":[{"value":"W"}]}]}`,
			scimerrors.ScimTypeInvalidValue, "displayName"),
		mappingtest.Refusal("custom attribute as a number", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:badgeNumber","value":1234}]}`,
			scimerrors.ScimTypeInvalidValue, "badgeNumber", "1234"),
		mappingtest.Refusal("unknown op", `{"Operations":[{"op":"Update","path":"title","value":"x"}]}`,
			scimerrors.ScimTypeInvalidValue, "Update"),
	}
	for _, tt := range append(tests, mappingtest.UserPatchRefusals()...) {
		t.Run(tt.Name, func(t *testing.T) {
			// A valid first operation must not be applied when a later one fails.
			ops := append(patchTestOps(t, `{"Operations":[{"op":"replace","path":"title","value":"Changed"}]}`),
				patchTestOps(t, tt.Body)...)
			u := mappingtest.BaseUser()
			res, err := mapping.ApplyUserPatch(&u, ops, patchTestOpts)
			se := mappingtest.CheckBadRequest(t, err, tt.ScimType, tt.Mentions...)
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

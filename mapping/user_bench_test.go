package mapping_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
)

// benchCreate is a full Entra create as the dialect hands it to mapping (booleans as JSON booleans,
// the extension's isAgent as the string it is declared): every attribute the default mappings send,
// plus the Freshservice extension.
const benchCreate = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "Ada.Lovelace@contoso.com",
  "active": true,
  "displayName": "Ada Lovelace",
  "title": "Analyst",
  "preferredLanguage": "en-US",
  "locale": "en-US",
  "timezone": "America/New_York",
  "emails": [{"primary": true, "type": "work", "value": "ada@contoso.com"}],
  "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
  "phoneNumbers": [{"type": "work", "value": "+1 425 555 0100"}, {"type": "mobile", "value": "+1 425 555 0199"}],
  "addresses": [{"type": "work", "formatted": "1 Main St, Redmond"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engineering", "manager": {"value": "21000000007"}, "employeeNumber": "E-1"},
  "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User": {"isAgent": "False", "location": "London", "costCenter": "CC-7"},
  "roles": []
}`

var benchOpts = mapping.Options{Attributes: map[string]string{"costCenter": "cost_center"}}

// benchFreshserviceUser is the same user as Freshservice answers it.
func benchFreshserviceUser() freshservice.User {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return freshservice.User{
		ID: 21000000042, FirstName: "Ada", LastName: "Lovelace", JobTitle: "Analyst",
		PrimaryEmail: "ada.lovelace@contoso.com", SecondaryEmails: []string{"ada@contoso.com"},
		WorkPhoneNumber: "+1 425 555 0100", MobilePhoneNumber: "+1 425 555 0199",
		DepartmentIDs: []int64{21000000003}, ReportingManagerID: 21000000007, Address: "1 Main St, Redmond",
		TimeZone: "Eastern Time (US & Canada)", Language: "en", LocationID: 21000000005,
		CustomFields: map[string]any{"cost_center": "CC-7"}, ExternalID: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		Active: true, CreatedAt: now, UpdatedAt: now,
	}
}

// BenchmarkUserToFreshservice is the create path's translation: the body as the SCIM library hands it
// over, to the Freshservice write.
func BenchmarkUserToFreshservice(b *testing.B) {
	attrs := mappingtest.DecodeBody(b, benchCreate)
	b.ReportAllocs()
	for b.Loop() {
		u, set, _, err := mapping.UserFromAttributes(attrs, benchOpts)
		if err != nil {
			b.Fatal(err)
		}
		f, _, _, err := mapping.FieldsFor(u, set, benchOpts)
		if err != nil || f.Email == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserFromFreshservice is the read path's translation: a Freshservice user to the SCIM
// attributes answered to Entra, Entra's own forms put back.
func BenchmarkUserFromFreshservice(b *testing.B) {
	fu := benchFreshserviceUser()
	attrs := mappingtest.DecodeBody(b, benchCreate)
	sent, set, _, err := mapping.UserFromAttributes(attrs, benchOpts)
	if err != nil {
		b.Fatal(err)
	}
	fields, _, _, err := mapping.FieldsFor(sent, set, benchOpts)
	if err != nil {
		b.Fatal(err)
	}
	echo := mapping.EchoFor(sent, set, fields)
	refs := mapping.Refs{DepartmentName: "Engineering", LocationName: "London"}
	b.ReportAllocs()
	for b.Loop() {
		u := mapping.UserFromFreshservice(fu, refs, benchOpts)
		echo.Apply(&u, fu)
		if out := mapping.UserToAttributes(u, benchOpts); out["userName"] == nil {
			b.Fatal("no userName")
		}
	}
}

// benchOps decodes a PatchOp body as the HTTP surface does before it applies the operations.
func benchOps(b *testing.B, body string) []mapping.PatchOp {
	b.Helper()
	var req map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		b.Fatal(err)
	}
	if _, has := req["schemas"]; !has {
		req["schemas"] = []any{mapping.SchemaPatchOp}
	}
	ops, err := mapping.DecodePatch(req)
	if err != nil {
		b.Fatal(err)
	}
	return ops
}

// BenchmarkApplyUserPatch applies an incremental cycle's PATCH in each of Entra's dialects, as the
// dialect hands them to mapping (operation names lower-cased, booleans as JSON booleans).
func BenchmarkApplyUserPatch(b *testing.B) {
	tests := []struct{ name, body string }{
		{"legacy", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"replace","path":"title","value":"Senior Analyst"},
			{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 206 555 0100"},
			{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Finance"},
			{"op":"replace","path":"active","value":false}]}`},
		{"flag", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 206 555 0100"},
			{"op":"replace","value":{"title":"Senior Analyst","name.givenName":"Augusta",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Finance"}},
			{"op":"replace","path":"active","value":false}]}`},
	}
	base := mapping.UserFromFreshservice(benchFreshserviceUser(), mapping.Refs{DepartmentName: "Engineering", LocationName: "London"}, benchOpts)
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			ops := benchOps(b, tt.body)
			b.ReportAllocs()
			for b.Loop() {
				u := base
				res, err := mapping.ApplyUserPatch(&u, ops, benchOpts)
				if err != nil || res.Touched == 0 || u.Active {
					b.Fatalf("apply: %v", err)
				}
			}
		})
	}
}

// BenchmarkCompileUserFilter reads the lookups Entra sends.
func BenchmarkCompileUserFilter(b *testing.B) {
	search := mapping.NewUserSearch(benchOpts)
	tests := []struct{ name, filter string }{
		{"userName", `userName eq "ada.lovelace@contoso.com"`},
		{"work email", `emails[type eq "work"].value eq "ada@contoso.com"`},
		{"manager check", `id eq "21000000042" and manager eq "21000000007"`},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := search.Compile(tt.filter); err != nil {
					b.Fatalf("compile: %v", err)
				}
			}
		})
	}
}

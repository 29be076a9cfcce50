package mapping_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
)

const (
	entURN = mapping.SchemaEnterprise
	fsURN  = mapping.SchemaFreshservice
)

// translateOpts is a tenant with three custom attributes of the three JSON types.
var translateOpts = mapping.Options{
	Attributes: map[string]string{"costCenter": "cost_center", "badge": "badge_number", "remote": "remote_worker"},
}

// baselineRequester is the Freshservice user the per-attribute writes land on.
func baselineRequester() freshservice.User {
	return freshservice.User{
		ID: 7, FirstName: "Ann", LastName: "Lee", PrimaryEmail: "ann@example.com", Active: true,
		TimeZone: "Eastern Time (US & Canada)", Language: "en", TimeFormat: "12h",
		CustomFields: map[string]any{"cost_center": nil, "badge_number": nil, "remote_worker": nil},
	}
}

// TestAttributesBothWays takes each mapped attribute through the whole loop: the SCIM value Entra
// sends, the Freshservice write it becomes, and what fsscim answers once Freshservice stored it.
func TestAttributesBothWays(t *testing.T) {
	tests := []struct {
		name   string
		opts   *mapping.Options
		body   string          // userName ann@example.com is added when absent
		fields []mapping.Field // the attributes the row is about; the write is limited to them
		wire   string          // the write, as sent to a requester endpoint
		needs  mapping.Needs
		back   string   // what must be answered afterwards (objects may hold more)
		absent []string // top-level attributes, or extension attributes as "urn:attr", not answered
	}{
		{
			name:   "userName keeps its case",
			body:   `{"userName":"Ann.Lee@Example.com"}`,
			fields: []mapping.Field{mapping.FieldUserName},
			wire:   `{"primary_email":"Ann.Lee@Example.com"}`,
			back:   `{"userName":"Ann.Lee@Example.com"}`,
		},
		{
			name:   "externalId",
			body:   `{"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}`,
			fields: []mapping.Field{mapping.FieldExternalID},
			wire:   `{"external_id":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}`,
			back:   `{"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}`,
		},
		{
			name:   "given and family name",
			body:   `{"name":{"givenName":"Bea","familyName":"Stone","formatted":"Bea Stone"}}`,
			fields: []mapping.Field{mapping.FieldGivenName, mapping.FieldFamilyName},
			wire:   `{"first_name":"Bea","last_name":"Stone"}`,
			back:   `{"name":{"givenName":"Bea","familyName":"Stone","formatted":"Bea Stone"},"displayName":"Bea Stone"}`,
		},
		{
			name:   "no name parts: display name split at its last space",
			body:   `{"displayName":"Mary Ann Lee"}`,
			fields: []mapping.Field{mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldDisplayName},
			wire:   `{"first_name":"Mary Ann","last_name":"Lee"}`,
			back:   `{"displayName":"Mary Ann Lee"}`,
			absent: []string{"name"},
		},
		{
			name:   "family name only: first name from the display name",
			body:   `{"displayName":"Bea Stone","name":{"familyName":"Stone"}}`,
			fields: []mapping.Field{mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldDisplayName},
			wire:   `{"first_name":"Bea","last_name":"Stone"}`,
			back:   `{"displayName":"Bea Stone","name":{"familyName":"Stone","formatted":"Stone"}}`,
		},
		{
			name:   "no name and no display name: first name from the email",
			body:   `{"userName":"bea.stone@example.com"}`,
			fields: []mapping.Field{mapping.FieldUserName, mapping.FieldGivenName, mapping.FieldFamilyName},
			wire:   `{"primary_email":"bea.stone@example.com","first_name":"bea.stone","last_name":""}`,
			back:   `{"userName":"bea.stone@example.com"}`,
			absent: []string{"name"},
		},
		{
			name:   "display name that is not first last",
			body:   `{"displayName":"Lee, Ann (IT)","name":{"givenName":"Ann","familyName":"Lee"}}`,
			fields: []mapping.Field{mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldDisplayName},
			wire:   `{"first_name":"Ann","last_name":"Lee"}`,
			back:   `{"displayName":"Lee, Ann (IT)","name":{"givenName":"Ann","familyName":"Lee"}}`,
		},
		{
			name:   "title",
			body:   `{"title":"Service Desk Lead"}`,
			fields: []mapping.Field{mapping.FieldTitle},
			wire:   `{"job_title":"Service Desk Lead"}`,
			back:   `{"title":"Service Desk Lead"}`,
		},
		{
			name:   "work email other than userName is a secondary email",
			body:   `{"emails":[{"type":"work","value":"Ann.Work@Example.com","primary":true}]}`,
			fields: []mapping.Field{mapping.FieldWorkEmail},
			wire:   `{"secondary_emails":["Ann.Work@Example.com"]}`,
			back:   `{"emails":[{"value":"Ann.Work@Example.com","type":"work","primary":true}]}`,
		},
		{
			name:   "work email equal to userName in another case",
			body:   `{"userName":"ann@example.com","emails":[{"type":"work","value":"ANN@Example.com","primary":true}]}`,
			fields: []mapping.Field{mapping.FieldUserName, mapping.FieldWorkEmail},
			wire:   `{"primary_email":"ann@example.com","secondary_emails":[]}`,
			back:   `{"userName":"ann@example.com","emails":[{"value":"ANN@Example.com","type":"work","primary":true}]}`,
		},
		{
			name:   "untyped primary email is the work email",
			body:   `{"emails":[{"value":"other@example.com"},{"value":"main@example.com","primary":true}]}`,
			fields: []mapping.Field{mapping.FieldWorkEmail},
			wire:   `{"secondary_emails":["main@example.com"]}`,
			back:   `{"emails":[{"value":"main@example.com","type":"work","primary":true}]}`,
		},
		{
			name:   "phones keep their form",
			body:   `{"phoneNumbers":[{"type":"work","value":"+1 (555) 010-0000","primary":true},{"type":"mobile","value":"55555555555"}]}`,
			fields: []mapping.Field{mapping.FieldWorkPhone, mapping.FieldMobilePhone},
			wire:   `{"work_phone_number":"+1 (555) 010-0000","mobile_phone_number":"55555555555"}`,
			back:   `{"phoneNumbers":[{"value":"+1 (555) 010-0000","type":"work"},{"value":"55555555555","type":"mobile"}]}`,
		},
		{
			name:   "mobile only",
			body:   `{"phoneNumbers":[{"type":"mobile","value":"07700 900123"}]}`,
			fields: []mapping.Field{mapping.FieldWorkPhone, mapping.FieldMobilePhone},
			wire:   `{"work_phone_number":"","mobile_phone_number":"07700 900123"}`,
			back:   `{"phoneNumbers":[{"value":"07700 900123","type":"mobile"}]}`,
		},
		{
			name:   "work address",
			body:   `{"addresses":[{"type":"work","formatted":"1 Main St, Springfield","locality":"Springfield"}]}`,
			fields: []mapping.Field{mapping.FieldWorkAddress},
			wire:   `{"address":"1 Main St, Springfield"}`,
			back:   `{"addresses":[{"formatted":"1 Main St, Springfield","type":"work"}]}`,
		},
		{
			name:   "time zone Rails knows",
			body:   `{"timezone":"America/Los_Angeles"}`,
			fields: []mapping.Field{mapping.FieldTimeZone},
			wire:   `{"time_zone":"Pacific Time (US & Canada)"}`,
			back:   `{"timezone":"America/Los_Angeles"}`,
		},
		{
			name:   "time zone alias reads back as sent",
			body:   `{"timezone":"Asia/Calcutta"}`,
			fields: []mapping.Field{mapping.FieldTimeZone},
			wire:   `{"time_zone":"Kolkata"}`,
			back:   `{"timezone":"Asia/Calcutta"}`,
		},
		{
			name:   "time zone of a shared Rails name reads back as sent",
			body:   `{"timezone":"America/Guayaquil"}`,
			fields: []mapping.Field{mapping.FieldTimeZone},
			wire:   `{"time_zone":"Quito"}`,
			back:   `{"timezone":"America/Guayaquil"}`,
		},
		{
			name:   "unknown time zone without a default is not written",
			body:   `{"timezone":"Mars/Olympus_Mons"}`,
			fields: []mapping.Field{mapping.FieldTimeZone},
			wire:   `{}`,
			back:   `{"timezone":"Mars/Olympus_Mons"}`,
		},
		{
			name:   "unknown time zone takes the tenant default",
			opts:   &mapping.Options{DefaultTimeZone: "UTC"},
			body:   `{"timezone":"Mars/Olympus_Mons"}`,
			fields: []mapping.Field{mapping.FieldTimeZone},
			wire:   `{"time_zone":"UTC"}`,
			back:   `{"timezone":"Mars/Olympus_Mons"}`,
		},
		{
			name:   "preferredLanguage",
			body:   `{"preferredLanguage":"fr-FR"}`,
			fields: []mapping.Field{mapping.FieldPreferredLanguage},
			wire:   `{"language":"fr"}`,
			back:   `{"preferredLanguage":"fr-FR"}`,
		},
		{
			name:   "locale",
			body:   `{"locale":"ja-JP"}`,
			fields: []mapping.Field{mapping.FieldLocale},
			wire:   `{"language":"ja-JP"}`,
			back:   `{"locale":"ja-JP"}`,
		},
		{
			name:   "preferredLanguage wins over locale",
			body:   `{"preferredLanguage":"de-CH","locale":"en-US"}`,
			fields: []mapping.Field{mapping.FieldPreferredLanguage, mapping.FieldLocale},
			wire:   `{"language":"de"}`,
			back:   `{"preferredLanguage":"de-CH","locale":"en-US"}`,
		},
		{
			name:   "unknown preferredLanguage falls back to locale",
			body:   `{"preferredLanguage":"hi","locale":"en-IN"}`,
			fields: []mapping.Field{mapping.FieldPreferredLanguage, mapping.FieldLocale},
			wire:   `{"language":"en"}`,
			back:   `{"preferredLanguage":"hi","locale":"en-IN"}`,
		},
		{
			name:   "unknown language takes the tenant default",
			opts:   &mapping.Options{DefaultLanguage: "de"},
			body:   `{"preferredLanguage":"hi"}`,
			fields: []mapping.Field{mapping.FieldPreferredLanguage},
			wire:   `{"language":"de"}`,
			back:   `{"preferredLanguage":"hi"}`,
		},
		{
			name:   "department is resolved by name",
			body:   `{"` + entURN + `":{"department":"IT Operations"}}`,
			fields: []mapping.Field{mapping.FieldDepartment},
			wire:   `{}`,
			needs:  mapping.Needs{Department: "IT Operations", SetDepartment: true},
			back:   `{"` + entURN + `":{"department":"IT Operations"}}`,
		},
		{
			name:   "manager as an object",
			body:   `{"` + entURN + `":{"manager":{"value":"31000000417"}}}`,
			fields: []mapping.Field{mapping.FieldManager},
			wire:   `{"reporting_manager_id":31000000417}`,
			back:   `{"` + entURN + `":{"manager":{"value":"31000000417"}}}`,
		},
		{
			name:   "empty manager clears it",
			body:   `{"` + entURN + `":{"manager":{"value":""}}}`,
			fields: []mapping.Field{mapping.FieldManager},
			wire:   `{"reporting_manager_id":null}`,
			absent: []string{entURN + ":manager"},
		},
		{
			name:   "location in the Freshservice extension",
			body:   `{"` + fsURN + `":{"location":"Bengaluru HQ"}}`,
			fields: []mapping.Field{mapping.FieldLocation},
			wire:   `{}`,
			needs:  mapping.Needs{Location: "Bengaluru HQ", SetLocation: true},
			back:   `{"` + fsURN + `":{"location":"Bengaluru HQ"}}`,
			absent: []string{entURN + ":_location"},
		},
		{
			name:   "location of a client that names it the enterprise _location is answered there too",
			opts:   &mapping.Options{LocationAsEnterprise: true},
			body:   `{"` + fsURN + `":{"location":"Bengaluru HQ"}}`,
			fields: []mapping.Field{mapping.FieldLocation},
			wire:   `{}`,
			needs:  mapping.Needs{Location: "Bengaluru HQ", SetLocation: true},
			back:   `{"` + fsURN + `":{"location":"Bengaluru HQ"},"` + entURN + `":{"_location":"Bengaluru HQ"}}`,
		},
		{
			name:   "empty location clears it",
			body:   `{"` + fsURN + `":{"location":""}}`,
			fields: []mapping.Field{mapping.FieldLocation},
			wire:   `{}`,
			needs:  mapping.Needs{SetLocation: true},
			absent: []string{fsURN + ":location", entURN + ":_location"},
		},
		{
			name:   "isAgent reads back as the client spelled it",
			body:   `{"` + fsURN + `":{"isAgent":"True"}}`,
			fields: []mapping.Field{mapping.FieldIsAgent},
			wire:   `{}`,
			back:   `{"` + fsURN + `":{"isAgent":"True"}}`,
		},
		{
			name:   "custom attributes are strings",
			body:   `{"` + fsURN + `":{"CostCenter":"CC-4410","badge":"1187","remote":"false"}}`,
			fields: []mapping.Field{mapping.FieldCustom},
			wire:   `{"custom_fields":{"cost_center":"CC-4410","badge_number":"1187","remote_worker":"false"}}`,
			back:   `{"` + fsURN + `":{"costCenter":"CC-4410","badge":"1187","remote":"false"}}`,
		},
		{
			name:   "null custom attribute clears the field",
			body:   `{"` + fsURN + `":{"costCenter":null}}`,
			fields: []mapping.Field{mapping.FieldCustom},
			wire:   `{"custom_fields":{"cost_center":null}}`,
			absent: []string{fsURN + ":costCenter"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := translateOpts
			if tt.opts != nil {
				opts = *tt.opts
			}
			body := mappingtest.DecodeBody(t, tt.body)
			if _, ok := body["userName"]; !ok {
				body["userName"] = "ann@example.com"
			}
			u, set, _, err := mapping.UserFromAttributes(body, opts)
			if err != nil {
				t.Fatalf("UserFromAttributes: %v", err)
			}
			for _, f := range tt.fields {
				if !set.Has(f) {
					t.Errorf("set %b lacks field %b", set, f)
				}
			}
			write := mappingtest.Fields(tt.fields...)
			f, needs, _, err := mapping.FieldsFor(u, write, opts)
			if err != nil {
				t.Fatalf("FieldsFor: %v", err)
			}
			if got, want := mappingtest.WriteWire(t, f), mappingtest.JSONText(t, tt.wire); !reflect.DeepEqual(got, want) {
				t.Errorf("write = %v\nwant    %v", got, want)
			}
			if needs != tt.needs {
				t.Errorf("needs = %+v, want %+v", needs, tt.needs)
			}

			fs := mappingtest.NewFreshservice()
			fu := baselineRequester()
			fs.Store(t, &fu, u, write, f, needs)
			back := mappingtest.JSONValue(t, fs.ReadBack(fu, mapping.EchoFor(u, write, f), opts)).(map[string]any)
			if tt.back != "" && !mappingtest.ContainsJSON(mappingtest.JSONText(t, tt.back), back) {
				t.Errorf("read back = %v\nwant it to hold %s", back, tt.back)
			}
			for _, a := range tt.absent {
				urn, attr, isExt := strings.Cut(strings.Replace(a, ":User:", ":User\x00", 1), "\x00")
				if !isExt {
					if v, ok := back[a]; ok {
						t.Errorf("read back answers %s = %v", a, v)
					}
					continue
				}
				if ext, _ := back[urn].(map[string]any); ext != nil {
					if v, ok := ext[attr]; ok {
						t.Errorf("read back answers %s = %v", a, v)
					}
				}
			}
		})
	}
}

// TestUserFromAttributesForms reads the standard create and replace bodies, which proxy/dialect also
// sends in Entra's spellings, and those only mapping reads so.
func TestUserFromAttributesForms(t *testing.T) {
	tests := []mappingtest.UserReadCase{
		// The dialect drops nulls from a body, so only mapping is sent this one.
		{
			Name: "manager null",
			Body: `{"userName":"a@x.com","` + entURN + `":{"manager":null}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldManager},
		},
		{
			Name: "custom attribute by its name in any case",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"COSTCENTER":"CC-1","remote":"true"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, Custom: map[string]any{"costCenter": "CC-1", "remote": "true"}},
			Set:  []mapping.Field{mapping.FieldCustom},
		},
	}
	for _, tt := range append(tests, mappingtest.UserReadCases()...) {
		t.Run(tt.Name, func(t *testing.T) {
			u, set, _, err := mapping.UserFromAttributes(mappingtest.DecodeBody(t, tt.Body), translateOpts)
			tt.CheckRead(t, u, set, err)
		})
	}
}

func TestUserFromAttributesReportsIgnored(t *testing.T) {
	body := `{"userName":"a@x.com","nickName":"Babs","roles":[],"profileUrl":"","userType":null,
		"name":{"givenName":"A","middleName":"M","formatted":"A B"},
		"phoneNumbers":[{"type":"work","value":"1"},{"type":"fax","value":"2"}],
		"addresses":[{"type":"work","formatted":"F","country":"NZ"}],
		"` + entURN + `":{"employeeNumber":"7","department":"D"},
		"` + fsURN + `":{"shoe_size":"42","costCenter":"CC"}}`
	_, _, ignored, err := mapping.UserFromAttributes(mappingtest.DecodeBody(t, body), translateOpts)
	if err != nil {
		t.Fatal(err)
	}
	// nickName, name.middleName and employeeNumber are kept by fsscim, not ignored.
	want := []string{
		`addresses[type eq "work"].country`,
		`phoneNumbers[type eq "fax"]`,
		fsURN + ":shoe_size",
	}
	if !slices.Equal(ignored, want) {
		t.Errorf("ignored = %q\nwant      %q", ignored, want)
	}
}

func TestUserFromAttributesErrors(t *testing.T) {
	tests := []struct {
		name, body string
		detail     []string // the detail names these
	}{
		{"no userName", `{"displayName":"x"}`, []string{"userName"}},
		{"empty userName", `{"userName":""}`, []string{"userName"}},
		{"active not a boolean", `{"userName":"a@x.com","active":"maybe"}`, []string{"active", `"maybe"`}},
		{"isAgent a number", `{"userName":"a@x.com","` + fsURN + `":{"isAgent":3}}`, []string{"isAgent", "3"}},
		{"isAgent a JSON boolean, for a string attribute", `{"userName":"a@x.com","` + fsURN + `":{"isAgent":true}}`, []string{"isAgent", "true"}},
		// What the dialect puts in standard form is refused when it reaches mapping as sent.
		{"active a string", `{"userName":"a@x.com","active":"True"}`, []string{"active", `"True"`}},
		{"manager a plain id", `{"userName":"a@x.com","` + entURN + `":{"manager":"42"}}`, []string{"manager", `"42"`}},
		{"phoneNumbers one object", `{"userName":"a@x.com","phoneNumbers":{"type":"work","value":"1"}}`, []string{"phoneNumbers"}},
		{"phone a number", `{"userName":"a@x.com","phoneNumbers":[{"type":"work","value":5}]}`, []string{"phoneNumbers", "5"}},
		{"custom value a number", `{"userName":"a@x.com","` + fsURN + `":{"badge":1187}}`, []string{"badge", "1187"}},
		{"emails a string", `{"userName":"a@x.com","emails":"a@x.com"}`, []string{"emails", `"a@x.com"`}},
		{"name a string", `{"userName":"a@x.com","name":"A B"}`, []string{"name", `"A B"`}},
		{"title an object", `{"userName":"a@x.com","title":{"x":1}}`, []string{"title"}},
		{"manager an object in an object", `{"userName":"a@x.com","` + entURN + `":{"manager":{"value":{"id":"1"}}}}`, []string{"manager"}},
		{"custom value an object", `{"userName":"a@x.com","` + fsURN + `":{"costCenter":{"a":1}}}`, []string{"costCenter"}},
		{"extension not an object", `{"userName":"a@x.com","` + entURN + `":"x"}`, []string{entURN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := mapping.UserFromAttributes(mappingtest.DecodeBody(t, tt.body), translateOpts)
			mappingtest.CheckBadRequest(t, err, scimerrors.ScimTypeInvalidValue, tt.detail...)
		})
	}
}

func TestFieldsForPartialWrites(t *testing.T) {
	tests := []struct {
		name     string
		u        mapping.User
		set      []mapping.Field
		opts     mapping.Options
		wire     string
		warnings []string // each warning holds these, in order
	}{
		{
			name: "display name alone writes no names",
			u:    mapping.User{DisplayName: "New Name"},
			set:  []mapping.Field{mapping.FieldDisplayName},
			wire: `{}`,
		},
		{
			name: "family name alone does not touch the first name",
			u:    mapping.User{FamilyName: "Stone", DisplayName: "Bea Stone"},
			set:  []mapping.Field{mapping.FieldFamilyName},
			wire: `{"last_name":"Stone"}`,
		},
		{
			name: "removed family name is cleared, not derived",
			u:    mapping.User{GivenName: "Bea", DisplayName: "Bea Stone"},
			set:  []mapping.Field{mapping.FieldFamilyName},
			wire: `{"last_name":""}`,
		},
		{
			name:     "given name with nothing to fall back on",
			u:        mapping.User{},
			set:      []mapping.Field{mapping.FieldGivenName},
			wire:     `{}`,
			warnings: []string{"first name"},
		},
		{
			name: "work email alone without userName to compare",
			u:    mapping.User{WorkEmail: "w@x.com"},
			set:  []mapping.Field{mapping.FieldWorkEmail},
			wire: `{"secondary_emails":["w@x.com"]}`,
		},
		{
			name: "removed work email clears the secondary emails",
			u:    mapping.User{UserName: "a@x.com"},
			set:  []mapping.Field{mapping.FieldWorkEmail},
			wire: `{"secondary_emails":[]}`,
		},
		{
			name:     "empty userName is not written",
			u:        mapping.User{},
			set:      []mapping.Field{mapping.FieldUserName},
			wire:     `{}`,
			warnings: []string{"userName"},
		},
		{
			name: "removed title, phone, address and externalId are cleared",
			u:    mapping.User{},
			set:  []mapping.Field{mapping.FieldTitle, mapping.FieldWorkPhone, mapping.FieldMobilePhone, mapping.FieldWorkAddress, mapping.FieldExternalID},
			wire: `{"job_title":"","work_phone_number":"","mobile_phone_number":"","address":"","external_id":""}`,
		},
		{
			name: "removed time zone is not written",
			u:    mapping.User{},
			set:  []mapping.Field{mapping.FieldTimeZone},
			wire: `{}`,
		},
		{
			name:     "unknown time zone is reported",
			u:        mapping.User{TimeZone: "Mars/Olympus_Mons"},
			set:      []mapping.Field{mapping.FieldTimeZone},
			wire:     `{}`,
			warnings: []string{`"Mars/Olympus_Mons"`, "unchanged"},
		},
		{
			name:     "unknown time zone with a default is reported",
			u:        mapping.User{TimeZone: "Mars/Olympus_Mons"},
			set:      []mapping.Field{mapping.FieldTimeZone},
			opts:     mapping.Options{DefaultTimeZone: "London"},
			wire:     `{"time_zone":"London"}`,
			warnings: []string{`"Mars/Olympus_Mons"`, `"London"`},
		},
		{
			name:     "unknown languages are reported",
			u:        mapping.User{PreferredLanguage: "hi", Locale: "RJWNTUNNOHNZ"},
			set:      []mapping.Field{mapping.FieldPreferredLanguage, mapping.FieldLocale},
			wire:     `{}`,
			warnings: []string{`"hi"`, `"RJWNTUNNOHNZ"`, "unchanged"},
		},
		{
			name: "a write of locale alone takes the language from locale",
			u:    mapping.User{PreferredLanguage: "de-DE", Locale: "fr-FR"},
			set:  []mapping.Field{mapping.FieldLocale},
			wire: `{"language":"fr"}`,
		},
		{
			name: "a write of both takes the language from preferredLanguage",
			u:    mapping.User{PreferredLanguage: "de-DE", Locale: "fr-FR"},
			set:  []mapping.Field{mapping.FieldLocale, mapping.FieldPreferredLanguage},
			wire: `{"language":"de"}`,
		},
		{
			name:     "custom attribute the tenant does not map",
			u:        mapping.User{Custom: map[string]any{"shoeSize": "42", "costCenter": "CC"}},
			set:      []mapping.Field{mapping.FieldCustom},
			opts:     translateOpts,
			wire:     `{"custom_fields":{"cost_center":"CC"}}`,
			warnings: []string{`"shoeSize"`},
		},
		{
			name: "active and isAgent are not fields of the write",
			u:    mapping.User{Active: false},
			set:  []mapping.Field{mapping.FieldActive, mapping.FieldIsAgent},
			wire: `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, warnings, err := mapping.FieldsFor(tt.u, mappingtest.Fields(tt.set...), tt.opts)
			if err != nil {
				t.Fatalf("FieldsFor: %v", err)
			}
			if got, want := mappingtest.WriteWire(t, f), mappingtest.JSONText(t, tt.wire); !reflect.DeepEqual(got, want) {
				t.Errorf("write = %v\nwant    %v", got, want)
			}
			if tt.wire == `{}` && !f.Empty() {
				t.Errorf("write %+v is not Empty()", f)
			}
			if len(tt.warnings) == 0 && len(warnings) > 0 {
				t.Errorf("warnings = %q, want none", warnings)
			}
			if len(tt.warnings) > 0 {
				if len(warnings) != 1 {
					t.Fatalf("warnings = %q, want one", warnings)
				}
				rest := warnings[0]
				for _, w := range tt.warnings {
					i := strings.Index(rest, w)
					if i < 0 {
						t.Fatalf("warning %q lacks %s (in order %q)", warnings[0], w, tt.warnings)
					}
					rest = rest[i+len(w):]
				}
			}
		})
	}
}

func TestFieldsForManagerThatIsNotAnID(t *testing.T) {
	for _, id := range []string{"XYMKVVRYDIOO", "0", "-5", "12a", "1.5"} {
		t.Run(id, func(t *testing.T) {
			u := mapping.User{ManagerID: id}
			_, _, _, err := mapping.FieldsFor(u, mappingtest.Fields(mapping.FieldManager), mapping.Options{})
			mappingtest.CheckBadRequest(t, err, scimerrors.ScimTypeInvalidValue, "manager", `"`+id+`"`)
		})
	}
}

func TestUserFromFreshservice(t *testing.T) {
	tests := []struct {
		name string
		fu   string // the Freshservice JSON
		refs mapping.Refs
		want string // UserToAttributes of the result, exactly
	}{
		{
			name: "requester with everything",
			fu: `{"id":18012783346,"first_name":"John","last_name":"Smith","job_title":"QA Tester",
				"primary_email":"jsmith@company.com","secondary_emails":["John.Smith@Company.com"],
				"work_phone_number":"62443","mobile_phone_number":77762443,"department_ids":[554],
				"reporting_manager_id":656,"address":"Gryffindor Tower","time_zone":"Edinburgh",
				"language":"es-LA","location_id":23,"external_id":"ext-1","active":true,"is_agent":false,
				"custom_fields":{"cost_center":"CC-1","badge_number":7,"remote_worker":true,"unmapped":"x"}}`,
			refs: mapping.Refs{DepartmentName: "Hogwarts", LocationName: "Scotland"},
			want: `{"userName":"jsmith@company.com","externalId":"ext-1","active":true,
				"name":{"givenName":"John","familyName":"Smith","formatted":"John Smith"},"displayName":"John Smith",
				"title":"QA Tester","emails":[{"value":"John.Smith@Company.com","type":"work","primary":true}],
				"phoneNumbers":[{"value":"62443","type":"work"},{"value":"77762443","type":"mobile"}],
				"addresses":[{"formatted":"Gryffindor Tower","type":"work"}],
				"timezone":"Europe/London","locale":"es-419","preferredLanguage":"es-419",
				"` + entURN + `":{"department":"Hogwarts","manager":{"value":"656"}},
				"` + fsURN + `":{"isAgent":"false","location":"Scotland","costCenter":"CC-1","badge":7,"remote":true}}`,
		},
		{
			name: "deactivated agent read from the agent endpoint",
			fu: `{"id":5,"first_name":"Rolanda","last_name":"","email":"rolanda.hooch@hogwarts.edu",
				"time_zone":"Nowhere Standard","language":"","active":false,"is_agent":true,
				"reporting_manager_id":null,"location_id":null,"external_id":null,
				"custom_fields":{"cost_center":null,"badge_number":null,"remote_worker":null}}`,
			want: `{"userName":"rolanda.hooch@hogwarts.edu","active":false,
				"name":{"givenName":"Rolanda","formatted":"Rolanda"},"displayName":"Rolanda",
				"emails":[{"value":"rolanda.hooch@hogwarts.edu","type":"work","primary":true}],
				"` + fsURN + `":{"isAgent":"true"}}`,
		},
		{
			name: "user without names",
			fu:   `{"id":6,"first_name":"","last_name":"","primary_email":"x@y.z","active":true,"secondary_emails":[]}`,
			want: `{"userName":"x@y.z","active":true,"emails":[{"value":"x@y.z","type":"work","primary":true}],
				"` + fsURN + `":{"isAgent":"false"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fu freshservice.User
			if err := json.Unmarshal([]byte(tt.fu), &fu); err != nil {
				t.Fatalf("decode Freshservice user: %v", err)
			}
			u := mapping.UserFromFreshservice(fu, tt.refs, translateOpts)
			if u.ID != jsonNumberField(t, tt.fu, "id") {
				t.Errorf("ID = %q", u.ID)
			}
			got := mappingtest.JSONValue(t, mapping.UserToAttributes(u, translateOpts))
			if want := mappingtest.JSONText(t, tt.want); !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("attributes =\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func jsonNumberField(t *testing.T, doc, key string) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m[key].(json.Number).String()
}

func TestUserToAttributesLeavesOutEmpties(t *testing.T) {
	got := mapping.UserToAttributes(mapping.User{UserName: "a@x.com", Custom: map[string]any{"costCenter": nil, "notMapped": "x"}}, translateOpts)
	want := map[string]any{"userName": "a@x.com", "active": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UserToAttributes = %v, want %v", got, want)
	}
}

package mapping

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
)

func searchUser() User {
	agent := false
	return User{
		ID: "21000000042", UserName: "bjensen@example.com", ExternalID: "6f1c-AB",
		GivenName: "Barbara", FamilyName: "Jensen", DisplayName: "Babs Jensen", Title: "Tour Guide",
		WorkEmail: "barbara.jensen@example.com", WorkPhone: "+1 555 0100", MobilePhone: "+1 555 0199",
		WorkAddress: "100 Universal City Plaza", TimeZone: "America/Los_Angeles", Locale: "en-US",
		PreferredLanguage: "en-US", Active: true, Department: "Tour Operations", ManagerID: "21000000007",
		Location: "Hollywood", EnterpriseLocation: true, IsAgent: &agent, AgentText: "False",
		Custom: map[string]any{"costCenter": "CC-9", "badge": true},
		Kept:   map[string]string{"nickName": "Babs", "name.middleName": "Jane", SchemaEnterprise + ":employeeNumber": "701984"},
	}
}

// TestUserSearchMatchingAttributes checks the sixteen attributes Microsoft's Freshservice tutorial
// lists for matching, each in the form Entra sends: the user's own value matches (ignoring case where
// the schema says so), and Test Connection's random GUID matches nothing and is no error.
func TestUserSearchMatchingAttributes(t *testing.T) {
	s := NewUserSearch(Options{Attributes: map[string]string{"costCenter": "cost_center", "badge": "badge"}})
	u := searchUser()
	view := s.View(&u, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC))
	const guid = `"b4fa7c1e-0000-4000-8000-000000000000"`
	tests := []struct{ attr, value string }{
		{"userName", `"BJensen@Example.com"`},
		{"active", `"True"`},
		{`emails[type eq "work"].value`, `"Barbara.Jensen@example.com"`},
		{"displayName", `"babs jensen"`},
		{"name.givenName", `"barbara"`},
		{"name.familyName", `"JENSEN"`},
		{`phoneNumbers[type eq "work"].value`, `"+1 555 0100"`},
		{`phoneNumbers[type eq "mobile"].value`, `"+1 555 0199"`},
		{`addresses[type eq "work"].formatted`, `"100 universal city plaza"`},
		{"locale", `"en-us"`},
		{"title", `"tour guide"`},
		{"timezone", `"America/Los_Angeles"`},
		{"externalId", `"6f1c-AB"`},
		{SchemaEnterprise + ":department", `"tour operations"`},
		{SchemaEnterprise + ":manager", `"21000000007"`},
		{SchemaFreshservice + ":isAgent", `"False"`},
	}
	for _, tt := range tests {
		f, err := s.Compile(tt.attr + " eq " + tt.value)
		if err != nil {
			t.Errorf("%s: %v", tt.attr, err)
			continue
		}
		if !f.Matches(view) {
			t.Errorf("%s eq %s does not match the user", tt.attr, tt.value)
		}
		guidFilter, err := s.Compile(tt.attr + " eq " + guid)
		if err != nil {
			t.Errorf("%s with Test Connection's GUID: %v", tt.attr, err)
			continue
		}
		if guidFilter.Matches(view) {
			t.Errorf("%s eq %s matches the user", tt.attr, guid)
		}
	}
	// externalId is caseExact: another case is another value.
	if f, _ := s.Compile(`externalId eq "6F1C-ab"`); f.Matches(view) {
		t.Error("externalId matched in another case")
	}
}

// TestUserViewAgreesWithAnswer checks that every value a user's SCIM answer carries is found by an
// eq filter on its path: filters see exactly what GET answers.
func TestUserViewAgreesWithAnswer(t *testing.T) {
	opts := Options{Attributes: map[string]string{"costCenter": "cost_center", "badge": "badge"}}
	s := NewUserSearch(opts)
	u := searchUser()
	u.FormattedName = ""
	view := s.View(&u, time.Time{}, time.Time{})
	attrs := UserToAttributes(u, opts)
	var paths []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				sep := "."
				if strings.HasPrefix(k, "urn:") {
					walk(k, sub)
					continue
				}
				if prefix == SchemaEnterprise || prefix == SchemaFreshservice {
					sep = ":" // an extension's own attribute; deeper ones are sub-attributes
				}
				if prefix == "" {
					walk(k, sub)
				} else {
					walk(prefix+sep+k, sub)
				}
			}
		case []any:
			for _, el := range x {
				walk(prefix, el)
			}
		case string:
			paths = append(paths, prefix+" eq "+quoteFilter(x))
		case bool:
			if x {
				paths = append(paths, prefix+" eq true")
			} else {
				paths = append(paths, prefix+" eq false")
			}
		}
	}
	walk("", attrs)
	if len(paths) < 20 {
		t.Fatalf("only %d values in the answer: %v", len(paths), paths)
	}
	for _, p := range paths {
		f, err := s.Compile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if !f.Matches(view) {
			t.Errorf("%s does not match the user it was read from", p)
		}
	}
}

func quoteFilter(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// TestUserSearchKeptAndEnterpriseLocation checks the attributes fsscim keeps itself and the enterprise
// "_location": a filter finds them where the answer carries them, and the "_location" of a user whose
// client does not write it there is not answered, so no filter finds it.
func TestUserSearchKeptAndEnterpriseLocation(t *testing.T) {
	s := NewUserSearch(Options{})
	u := searchUser()
	view := s.View(&u, time.Time{}, time.Time{})
	plain := searchUser()
	plain.EnterpriseLocation, plain.Kept = false, nil
	plainView := s.View(&plain, time.Time{}, time.Time{})
	for filter, want := range map[string][2]bool{ // on u, on plain
		`nickName eq "babs"`:     {true, false},
		`name.middleName sw "J"`: {true, false},
		`name pr`:                {true, true},
		SchemaEnterprise + `:employeeNumber eq "701984"`: {true, false},
		SchemaEnterprise + `:costCenter pr`:              {false, false},
		SchemaEnterprise + `:_location eq "hollywood"`:   {true, false},
		SchemaFreshservice + `:location eq "hollywood"`:  {true, true},
		SchemaFreshservice + `:isAgent eq false`:         {true, true},
		SchemaFreshservice + `:isAgent eq "false"`:       {true, true},
	} {
		f, err := s.Compile(filter)
		if err != nil {
			t.Errorf("%s: %v", filter, err)
			continue
		}
		if got := [2]bool{f.Matches(view), f.Matches(plainView)}; got != want {
			t.Errorf("%s: matches %v, want %v", filter, got, want)
		}
	}
}

// TestSearchFilterErrors checks that a filter fsscim cannot use is a 400 invalidFilter naming the part.
func TestSearchFilterErrors(t *testing.T) {
	s := NewUserSearch(Options{})
	for _, tt := range []struct{ filter, part string }{
		{`ims eq "x"`, "«ims»"},
		{`userName zz "x"`, "«zz»"},
		{`active gt true`, "«active gt true»"},
		{`urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCenter eq "x"`, "costCenter"},
	} {
		_, err := s.Compile(tt.filter)
		var se scimerrors.ScimError
		if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.ScimType != scimerrors.ScimTypeInvalidFilter {
			t.Errorf("%s: %v, want a 400 invalidFilter", tt.filter, err)
			continue
		}
		if !strings.Contains(se.Detail, tt.part) {
			t.Errorf("%s: detail %q does not name %s", tt.filter, se.Detail, tt.part)
		}
	}
	g := NewGroupSearch()
	if _, err := g.Compile(`displayName eq "Sales" and members[value eq "7"]`); err != nil {
		t.Errorf("group filter: %v", err)
	}
	if _, err := g.Compile(`userName eq "x"`); err == nil {
		t.Error("a group filter on userName compiled")
	}
}

// TestGroupView checks group filters: displayName ignores case, members match by value.
func TestGroupView(t *testing.T) {
	s := NewGroupSearch()
	g := Group{ID: "9", DisplayName: "Sales Team", ExternalID: "ext-9", Members: []Member{{Value: "1", Display: "Ada"}, {Value: "2"}}}
	view := s.View(&g, time.Time{}, time.Time{})
	for filter, want := range map[string]bool{
		`displayName eq "sales team"`:                 true,
		`displayName eq "Sales"`:                      false,
		`id eq "9" and members eq "2"`:                true,
		`id eq "9" and members eq "3"`:                false,
		`members[value eq "1"]`:                       true,
		`members.display co "ad"`:                     true,
		`externalId eq "EXT-9"`:                       false,
		`displayName sw "sales" and not (members pr)`: false,
	} {
		f, err := s.Compile(filter)
		if err != nil {
			t.Errorf("%s: %v", filter, err)
			continue
		}
		if got := f.Matches(view); got != want {
			t.Errorf("%s: %v, want %v", filter, got, want)
		}
	}
}

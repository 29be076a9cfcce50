package mapping

import (
	"reflect"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"
)

func TestPlanUserFilter(t *testing.T) {
	long := strings.Repeat("x", 4000) + "@contoso.com"
	tests := []struct {
		filter string
		want   []Term
	}{
		// Test Connection (a random GUID) and matching by userName.
		{``, nil},
		{`   `, nil},
		{`userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`, []Term{{"userName", "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"}}},
		{`USERNAME EQ "a@contoso.com"`, []Term{{"userName", "a@contoso.com"}}},
		{`  userName eq "padded@contoso.com"  `, []Term{{"userName", "padded@contoso.com"}}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "q@contoso.com"`, []Term{{"userName", "q@contoso.com"}}},
		{`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, []Term{{"externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"}}},
		{`id eq "42"`, []Term{{"id", "42"}}},
		{`ID eq 42 and manager eq 7`, []Term{{"id", "42"}, {"manager", "7"}}},
		{`emails[type eq "work"].value eq "w@contoso.com"`, []Term{{"email", "w@contoso.com"}}},
		{`Emails[Type EQ "Work"].Value Eq "w@contoso.com"`, []Term{{"email", "w@contoso.com"}}},
		{`emails[type eq "work" and value eq "w@contoso.com"]`, []Term{{"email", "w@contoso.com"}}},
		{`emails[value eq "w@contoso.com"]`, []Term{{"email", "w@contoso.com"}}},
		{`emails.value eq "w@contoso.com"`, []Term{{"email", "w@contoso.com"}}},
		{`emails eq "w@contoso.com"`, []Term{{"email", "w@contoso.com"}}},
		// Entra's manager check, with and without the URN, either order.
		{`id eq "42" and manager eq "7"`, []Term{{"id", "42"}, {"manager", "7"}}},
		{`manager eq "7" AND id eq "42"`, []Term{{"manager", "7"}, {"id", "42"}}},
		{`id eq "42" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "7"`, []Term{{"id", "42"}, {"manager", "7"}}},
		{`id eq "42" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "7"`, []Term{{"id", "42"}, {"manager", "7"}}},
		{`userName eq "a@b.c" and (externalId eq "e" and emails[type eq "work"].value eq "a@b.c")`,
			[]Term{{"userName", "a@b.c"}, {"externalId", "e"}, {"email", "a@b.c"}}},
		{`emails[type eq "work"].value eq "a@b.c" and userName eq "a@b.c"`, []Term{{"email", "a@b.c"}, {"userName", "a@b.c"}}},
		// Values that are hard to get right.
		{`userName eq "O'Brien (Jr)"`, []Term{{"userName", "O'Brien (Jr)"}}},
		{`userName eq "say \"hi\""`, []Term{{"userName", `say "hi"`}}},
		{`userName eq "back\\slash"`, []Term{{"userName", `back\slash`}}},
		{`userName eq "\u00C9mile"`, []Term{{"userName", "Émile"}}},
		{`userName eq "Ünïcødé 名前"`, []Term{{"userName", "Ünïcødé 名前"}}},
		{`userName eq "and or not eq"`, []Term{{"userName", "and or not eq"}}},
		{`userName eq ""`, []Term{{"userName", ""}}},
		{`emails[type eq "work"].value eq "a]b.value eq \"c"`, []Term{{"email", `a]b.value eq "c`}}},
		{`emails[type eq "work"].value eq "x[y]z"`, []Term{{"email", "x[y]z"}}},
		{`userName eq "` + long + `"`, []Term{{"userName", long}}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			got, err := PlanUserFilter(tt.filter)
			if err != nil {
				t.Fatalf("PlanUserFilter: %v", err)
			}
			if !reflect.DeepEqual(got.Terms, tt.want) {
				t.Errorf("terms = %q, want %q", got.Terms, tt.want)
			}
		})
	}
}

// filterTestRejected checks that err is the SCIM 400 invalidFilter answer that tells Entra's admin
// what works.
func filterTestRejected(t *testing.T, err error, mention string) {
	t.Helper()
	se, ok := err.(scimerrors.ScimError)
	if !ok {
		t.Fatalf("error = %v (%T), want a scimerrors.ScimError value", err, err)
	}
	if se.Status != 400 || se.ScimType != scimerrors.ScimTypeInvalidFilter {
		t.Errorf("error = %d %q, want 400 invalidFilter", se.Status, se.ScimType)
	}
	if !strings.Contains(se.Detail, "Supported:") || !strings.Contains(se.Detail, mention) {
		t.Errorf("detail %q should say %q and list the supported forms", se.Detail, mention)
	}
	if len(se.Detail) > 400 {
		t.Errorf("detail is %d bytes long", len(se.Detail))
	}
}

func TestPlanUserFilterRejects(t *testing.T) {
	tests := []struct {
		filter  string
		mention string
	}{
		{`userName ne "x"`, `operator "ne"`},
		{`userName co "x"`, `operator "co"`},
		{`userName sw "x"`, `operator "sw"`},
		{`userName pr`, `operator "pr"`},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `operator "gt"`},
		{`userName eq "x" or userName eq "y"`, `"or"`},
		{`not (userName eq "x")`, `"not"`},
		{`displayName eq "x"`, `attribute "displayName"`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT"`, `department`},
		{`name.givenName eq "x"`, `name.givenName`},
		{`externalId eq jyoung`, "does not parse"},
		{`active eq true`, "quoted"},
		{`userName eq null`, "quoted"},
		{`id eq 007`, "does not parse"},
		{`emails[type eq "home"].value eq "x"`, `type "home"`},
		{`emails[type eq "work"]`, "value"},
		{`emails[type eq "work"].value pr`, "does not parse"},
		{`emails[type eq "work"].value ne "x"`, "value"},
		{`phoneNumbers[type eq "work"].value eq "1"`, "phoneNumbers"},
		{strings.Repeat("a", 5000) + ` eq "x"`, "…"},
		{`emails[type eq "` + strings.Repeat("h", 5000) + `"].value eq "x"`, "…"},
		{`userName eq`, "does not parse"},
		{`userName eq "x" and`, "does not parse"},
		{`(userName eq "x"`, "does not parse"},
		{`userName eq "unterminated`, "does not parse"},
		{`userName eq "\u00e9"`, "does not parse"},
		{`userName eq "x" userName eq "y"`, "does not parse"},
		{`userName eq "` + strings.Repeat("y", maxFilterLength) + `"`, "longer than"},
		{`[]]"."[`, "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.filter[:min(len(tt.filter), 80)], func(t *testing.T) {
			plan, err := PlanUserFilter(tt.filter)
			if err == nil {
				t.Fatalf("PlanUserFilter accepted it: %q", plan.Terms)
			}
			filterTestRejected(t, err, tt.mention)
		})
	}
}

func TestPlanMatches(t *testing.T) {
	u := User{ID: "42", UserName: "Ann.Lee@Contoso.com", ExternalID: "Ext-1", WorkEmail: "ann@contoso.com", ManagerID: "7"}
	noWork := User{ID: "43", UserName: "Bob@Contoso.com"}
	tests := []struct {
		filter string
		user   User
		want   bool
	}{
		{``, u, true},
		{`userName eq "ann.lee@contoso.com"`, u, true},
		{`userName eq "ann@contoso.com"`, u, false},
		{`externalId eq "Ext-1"`, u, true},
		{`externalId eq "ext-1"`, u, false},
		{`id eq "42"`, u, true},
		{`id eq "4"`, u, false},
		{`emails[type eq "work"].value eq "ANN@contoso.com"`, u, true},
		{`emails[type eq "work"].value eq "ann.lee@contoso.com"`, u, false},
		{`emails[type eq "work"].value eq "bob@contoso.com"`, noWork, true},
		{`id eq "42" and manager eq "7"`, u, true},
		{`id eq "42" and manager eq "8"`, u, false},
		{`id eq "43" and manager eq "7"`, u, false},
		{`manager eq ""`, noWork, true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			plan, err := PlanUserFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Matches(tt.user); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanGroupFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   []Term
	}{
		{``, nil},
		{`displayName eq "Sales Team"`, []Term{{"displayName", "Sales Team"}}},
		{`DISPLAYNAME Eq "sales team"`, []Term{{"displayName", "sales team"}}},
		{`externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"`, []Term{{"externalId", "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"}}},
		{`id eq "40734" and members eq "42"`, []Term{{"id", "40734"}, {"members", "42"}}},
		{`id eq "40734" and members.value eq "42"`, []Term{{"id", "40734"}, {"members", "42"}}},
		{`id eq "40734" and members[value eq "42"]`, []Term{{"id", "40734"}, {"members", "42"}}},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "G"`, []Term{{"displayName", "G"}}},
		{`displayName eq "R&D (\"core\")"`, []Term{{"displayName", `R&D ("core")`}}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			got, err := PlanGroupFilter(tt.filter)
			if err != nil {
				t.Fatalf("PlanGroupFilter: %v", err)
			}
			if !reflect.DeepEqual(got.Terms, tt.want) {
				t.Errorf("terms = %q, want %q", got.Terms, tt.want)
			}
		})
	}
}

func TestPlanGroupFilterRejects(t *testing.T) {
	tests := []struct {
		filter  string
		mention string
	}{
		{`displayName co "Sales"`, `operator "co"`},
		{`displayName eq "a" or displayName eq "b"`, `"or"`},
		{`userName eq "x"`, `attribute "userName"`},
		{`members[value ne "42"]`, "not supported"},
		{`members[type eq "User"]`, "not supported"},
		{`members[value eq "42"].display eq "x"`, "not supported"},
		{`displayName eq "x`, "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			plan, err := PlanGroupFilter(tt.filter)
			if err == nil {
				t.Fatalf("PlanGroupFilter accepted it: %q", plan.Terms)
			}
			filterTestRejected(t, err, tt.mention)
		})
	}
}

func TestGroupPlanMatches(t *testing.T) {
	g := Group{ID: "7", DisplayName: "Sales Team", ExternalID: "X-1", Members: []Member{{Value: "42"}, {Value: "43"}}}
	tests := []struct {
		filter string
		want   bool
	}{
		{`displayName eq "SALES team"`, true},
		{`displayName eq "Sales"`, false},
		{`externalId eq "X-1"`, true},
		{`externalId eq "x-1"`, false},
		{`id eq "7" and members eq "43"`, true},
		{`id eq "7" and members eq "44"`, false},
		{`id eq "8" and members eq "42"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			plan, err := PlanGroupFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Matches(g); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzPlanUserFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "a@b.c"`,
		`emails[type eq "work"].value eq "x"`,
		`id eq "1" and manager eq "2"`,
		`userName eq "O'Brien (\"x\")"`,
		`emails[type eq "work" and value eq "a]b"]`,
		`not (userName eq "x") or id eq "1"`,
		`id eq "1" AND manager.value eq "2"`,
		`emails[type eq "work"].value eq "x" and id eq "3"`,
	} {
		f.Add(s)
	}
	valid := map[string]bool{"userName": true, "externalId": true, "id": true, "email": true, "manager": true}
	f.Fuzz(func(t *testing.T, filter string) {
		checkFastAgrees(t, filter, userFilterTerm)
		checkFastAgrees(t, filter, groupFilterTerm)
		plan, err := PlanUserFilter(filter)
		if err != nil {
			se, ok := err.(scimerrors.ScimError)
			if !ok || se.Status != 400 || se.ScimType != scimerrors.ScimTypeInvalidFilter {
				t.Fatalf("error %v (%T), want a SCIM 400 invalidFilter value", err, err)
			}
			if len(se.Detail) > 400 {
				t.Fatalf("detail is %d bytes long", len(se.Detail))
			}
			return
		}
		if strings.TrimSpace(filter) != "" && len(plan.Terms) == 0 {
			t.Fatalf("a non-empty filter planned no terms")
		}
		for _, term := range plan.Terms {
			if !valid[term.Attr] {
				t.Fatalf("term on unexpected attribute %q", term.Attr)
			}
		}
		plan.Matches(User{UserName: "a@b.c"})
	})
}

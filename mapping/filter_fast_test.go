package mapping

import (
	"reflect"
	"strings"
	"testing"

	filter "github.com/scim2/filter-parser/v2"
)

// planFilterFull is planFilter without the fast path: the reference the fast path must agree with.
func planFilterFull(raw string, term filterTermFunc) ([]Term, bool) {
	s := strings.TrimSpace(raw)
	expr, err := filter.ParseFilterNumber([]byte(s))
	if err != nil {
		rewritten, changed := filterRewriteValuePaths(s)
		if !changed {
			return nil, false
		}
		if expr, err = filter.ParseFilterNumber([]byte(rewritten)); err != nil {
			return nil, false
		}
	}
	var terms []Term
	if reason := filterCollect(expr, term, &terms); reason != "" {
		return nil, false
	}
	return terms, true
}

// checkFastAgrees fails when the fast path answers s differently from the full parser.
func checkFastAgrees(t *testing.T, s string, term filterTermFunc) {
	t.Helper()
	fast, ok := planFilterFast(strings.TrimSpace(s), term)
	if !ok {
		return
	}
	full, fullOK := planFilterFull(s, term)
	if !fullOK || !reflect.DeepEqual(fast, full) {
		t.Errorf("fast path planned %q as %v; the parser: %v (ok %v)", s, fast, full, fullOK)
	}
}

func TestPlanFilterFast(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		group  bool
		want   []Term // nil: the fast path leaves the filter to the parser
	}{
		{"userName", `userName eq "a@contoso.com"`, false, []Term{{"userName", "a@contoso.com"}}},
		{"any case", `USERNAME EQ "a@contoso.com"`, false, []Term{{"userName", "a@contoso.com"}}},
		{"manager check", `id eq "1" AND manager eq "2"`, false, []Term{{"id", "1"}, {"manager", "2"}}},
		{"sub-attribute", `emails.value eq "w@contoso.com"`, false, []Term{{"email", "w@contoso.com"}}},
		{"group membership", `id eq "g" and members eq "u"`, true, []Term{{"id", "g"}, {"members", "u"}}},
		{"group name with spaces", `displayName eq "Sales Team (EU)"`, true, []Term{{"displayName", "Sales Team (EU)"}}},
		{"escaped quote", `userName eq "a\"b"`, false, nil},
		{"non-ASCII value", `userName eq "jörg@contoso.com"`, false, nil},
		{"number", `id eq 42`, false, nil},
		{"URN", `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "q"`, false, nil},
		{"Entra's work email", `emails[type eq "work"].value eq "w@contoso.com"`, false, []Term{{"email", "w@contoso.com"}}},
		{"work email, any case", `Emails[Type EQ "Work"].Value Eq "w@contoso.com"`, false, []Term{{"email", "w@contoso.com"}}},
		{"work email and manager", `emails[type eq "work"].value eq "w" and manager eq "2"`, false, []Term{{"email", "w"}, {"manager", "2"}}},
		{"home email", `emails[type eq "home"].value eq "w"`, false, nil},
		{"value path on a group", `members[type eq "User"].value eq "u"`, true, nil},
		{"value path in the grammar", `emails[type eq "work" and value eq "w"]`, false, nil},
		{"value path, space before the bracket", `emails [type eq "work"].value eq "w"`, false, nil},
		{"two spaces", `userName  eq "x"`, false, nil},
		{"or", `userName eq "x" or id eq "1"`, false, nil},
		{"other operator", `userName ne "x"`, false, nil},
		{"unsupported attribute", `displayName eq "x"`, false, nil},
		{"unclosed value", `userName eq "x`, false, nil},
		{"dangling and", `userName eq "x" and`, false, nil},
		{"trailing text", `userName eq "x"y`, false, nil},
		{"too many terms", strings.Repeat(`id eq "1" and `, filterFastMaxTerms) + `id eq "1"`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := userFilterTerm
			if tt.group {
				term = groupFilterTerm
			}
			got, ok := planFilterFast(tt.filter, term)
			if ok != (tt.want != nil) || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("planFilterFast(%q) = %v, %v; want %v", tt.filter, got, ok, tt.want)
			}
			checkFastAgrees(t, tt.filter, term)
		})
	}
}
